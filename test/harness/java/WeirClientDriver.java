/*
 * A small driver for the Apache Kafka Java client, for compatibility scenarios: each run performs
 * one scenario against --bootstrap and prints its results as JSON lines on stdout, one object per
 * line with an "event" field. Client logging (slf4j-simple, WARN and up) goes to stderr.
 *
 * Compiled at first use by test/harness/java-client.ts against the cached kafka-clients jars.
 *
 *   produce         --topic T [--count N] [--partition P] [--key-prefix K] [--value-prefix V]
 *                   [--header k=v]... [--quiet]      default producer settings: idempotent, acks=all
 *   consume         --topic T [--partition P] [--from earliest|latest|OFFSET] [--count N]
 *                   [--timeout-ms MS]                assign() + seek, no group, no commits
 *   create-topic    --topic T [--partitions N] [--replication-factor R] [--topic-config k=v]...
 *   describe-topic  --topic T [--configs]
 *   delete-topic    --topic T
 *   list-topics
 *   list-offsets    --topic T                        earliest, latest and max-timestamp per partition
 *   describe-cluster
 * Added for the differential suite (test/compat/differential):
 *   produce-large   --topic T --size BYTES [--partition P]   one record of BYTES 'x's (default producer)
 *   consume-delete  --topic T [--count N] [--after-ms MS]
 *                   assign + read N records, delete the topic with the admin client, keep polling
 *                   for MS: what poll() then throws or returns, and whether the topic is still listed
 *   group-consume   --topic T --group G [--members M] [--count N] [--timeout-ms MS]
 *                   M consumers in one group (subscribe, polled in turn from this thread), joining one
 *                   after the other; once all N records came and the assignment settled: commitSync,
 *                   the group as the admin client describes it, committed offsets and lag, then close
 *                   and describe again. The assignor is the client's: --config partition.assignment.strategy=...
 *   group-offsets   --group G --topic T              the group's state, committed offsets and lag per partition
 * Every scenario takes --bootstrap HOST:PORT and any number of --config k=v for the client.
 * Exit codes: 0 done, 1 the scenario failed (an "error" event says why), 2 bad usage.
 */
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public final class WeirClientDriver {
    /** Bad command-line usage: exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    /** Parsed options: single-valued ones, repeatable k=v lists, and flags. */
    static final class Args {
        final Map<String, String> values = new HashMap<>();
        final Map<String, Map<String, String>> pairs = new HashMap<>();

        static Args parse(String[] argv, int from) {
            Args a = new Args();
            for (int i = from; i < argv.length; i++) {
                String name = argv[i];
                if (!name.startsWith("--")) throw new UsageException("unexpected argument " + name);
                name = name.substring(2);
                if (name.equals("quiet") || name.equals("configs")) {
                    a.values.put(name, "true");
                    continue;
                }
                if (i + 1 >= argv.length) throw new UsageException("--" + name + " needs a value");
                String value = argv[++i];
                if (name.equals("config") || name.equals("topic-config") || name.equals("header")) {
                    int eq = value.indexOf('=');
                    if (eq <= 0) throw new UsageException("--" + name + " takes key=value, got " + value);
                    a.pairs.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(value.substring(0, eq), value.substring(eq + 1));
                } else {
                    a.values.put(name, value);
                }
            }
            return a;
        }

        String required(String name) {
            String v = values.get(name);
            if (v == null) throw new UsageException("--" + name + " is required");
            return v;
        }

        String get(String name, String fallback) {
            return values.getOrDefault(name, fallback);
        }

        int getInt(String name, int fallback) {
            String v = values.get(name);
            try {
                return v == null ? fallback : Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " takes an integer, got " + v);
            }
        }

        boolean flag(String name) {
            return values.containsKey(name);
        }

        Map<String, String> pairs(String name) {
            return pairs.getOrDefault(name, Map.of());
        }
    }

    // ---- JSON output ----

    /** An ordered JSON object from alternating keys and values. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static void emit(Object... kv) {
        StringBuilder sb = new StringBuilder();
        json(sb, obj(kv));
        System.out.println(sb);
    }

    static void json(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> {
                        if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        } else if (v instanceof Number || v instanceof Boolean) {
            sb.append(v);
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) sb.append(',');
                first = false;
                json(sb, String.valueOf(e.getKey()));
                sb.append(':');
                json(sb, e.getValue());
            }
            sb.append('}');
        } else if (v instanceof Collection<?> c) {
            sb.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) sb.append(',');
                first = false;
                json(sb, o);
            }
            sb.append(']');
        } else {
            json(sb, v.toString());
        }
    }

    static String utf8(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static List<Object> nodeIds(List<Node> nodes) {
        List<Object> ids = new ArrayList<>();
        for (Node n : nodes) ids.add(n.id());
        return ids;
    }

    // ---- clients ----

    static Properties clientProps(Args a) {
        Properties p = new Properties();
        p.put("bootstrap.servers", a.required("bootstrap"));
        p.put("client.id", "weir-harness-java");
        p.putAll(a.pairs("config"));
        return p;
    }

    static Admin admin(Args a) {
        Properties p = clientProps(a);
        p.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return Admin.create(p);
    }

    // ---- scenarios ----

    static void produce(Args a) throws Exception {
        String topic = a.required("topic");
        int count = a.getInt("count", 1);
        Integer partition = a.values.containsKey("partition") ? a.getInt("partition", 0) : null;
        String keyPrefix = a.get("key-prefix", "key-");
        String valuePrefix = a.get("value-prefix", "value-");
        boolean quiet = a.flag("quiet");
        List<Header> headers = new ArrayList<>();
        for (Map.Entry<String, String> h : a.pairs("header").entrySet()) {
            headers.add(new RecordHeader(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8)));
        }
        Properties p = clientProps(a);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        long started = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] key = keyPrefix.equals("null") ? null : (keyPrefix + i).getBytes(StandardCharsets.UTF_8);
                byte[] value = (valuePrefix + i).getBytes(StandardCharsets.UTF_8);
                sent.add(producer.send(new ProducerRecord<>(topic, partition, key, value, headers)));
            }
            producer.flush();
            long first = -1;
            long last = -1;
            for (int i = 0; i < count; i++) {
                RecordMetadata md = sent.get(i).get();
                if (first < 0) first = md.offset();
                last = md.offset();
                if (!quiet) emit("event", "produced", "index", i, "topic", md.topic(), "partition", md.partition(), "offset", md.offset(), "timestamp", md.timestamp());
            }
            emit("event", "produce-done", "count", count, "firstOffset", first, "lastOffset", last, "ms", (System.nanoTime() - started) / 1_000_000);
        }
    }

    static void consume(Args a) {
        String topic = a.required("topic");
        int count = a.getInt("count", Integer.MAX_VALUE);
        int timeoutMs = a.getInt("timeout-ms", 10_000);
        String from = a.get("from", "earliest");
        Properties p = clientProps(a);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            if (a.values.containsKey("partition")) {
                tps.add(new TopicPartition(topic, a.getInt("partition", 0)));
            } else {
                for (PartitionInfo pi : consumer.partitionsFor(topic, Duration.ofMillis(timeoutMs))) tps.add(new TopicPartition(topic, pi.partition()));
            }
            consumer.assign(tps);
            switch (from) {
                case "earliest" -> consumer.seekToBeginning(tps);
                case "latest" -> consumer.seekToEnd(tps);
                default -> {
                    long offset;
                    try {
                        offset = Long.parseLong(from);
                    } catch (NumberFormatException e) {
                        throw new UsageException("--from takes earliest, latest or an offset, got " + from);
                    }
                    for (TopicPartition tp : tps) consumer.seek(tp, offset);
                }
            }
            int seen = 0;
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (seen < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Map<String, Object> hs = new LinkedHashMap<>();
                    for (Header h : r.headers()) hs.put(h.key(), utf8(h.value()));
                    emit("event", "record", "topic", r.topic(), "partition", r.partition(), "offset", r.offset(), "timestamp", r.timestamp(),
                        "timestampType", r.timestampType().toString(), "leaderEpoch", r.leaderEpoch().orElse(null),
                        "key", utf8(r.key()), "value", utf8(r.value()), "headers", hs);
                    if (++seen >= count) break;
                }
            }
            Map<String, Object> positions = new LinkedHashMap<>();
            for (TopicPartition tp : tps) positions.put(String.valueOf(tp.partition()), consumer.position(tp));
            emit("event", "consume-done", "count", seen, "positions", positions);
        }
    }

    static void createTopic(Args a) throws Exception {
        String topic = a.required("topic");
        NewTopic nt = new NewTopic(topic, a.getInt("partitions", 1), (short) a.getInt("replication-factor", 1)).configs(a.pairs("topic-config"));
        try (Admin admin = admin(a)) {
            CreateTopicsResult res = admin.createTopics(List.of(nt));
            res.all().get();
            emit("event", "created", "topic", topic, "topicId", res.topicId(topic).get().toString(), "partitions", res.numPartitions(topic).get(),
                "replicationFactor", res.replicationFactor(topic).get());
        }
    }

    static void describeTopic(Args a) throws Exception {
        String topic = a.required("topic");
        try (Admin admin = admin(a)) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            List<Object> parts = new ArrayList<>();
            for (TopicPartitionInfo pi : d.partitions()) {
                parts.add(obj("partition", pi.partition(), "leader", pi.leader() == null ? null : pi.leader().id(), "replicas", nodeIds(pi.replicas()), "isr", nodeIds(pi.isr())));
            }
            emit("event", "topic", "name", d.name(), "topicId", d.topicId().toString(), "internal", d.isInternal(), "partitions", parts);
            if (a.flag("configs")) {
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                Config config = admin.describeConfigs(List.of(res)).all().get().get(res);
                for (ConfigEntry e : config.entries()) {
                    emit("event", "topic-config", "name", e.name(), "value", e.value(), "source", e.source().toString(), "isDefault", e.isDefault(),
                        "readOnly", e.isReadOnly(), "sensitive", e.isSensitive());
                }
            }
        }
    }

    static void deleteTopic(Args a) throws Exception {
        String topic = a.required("topic");
        try (Admin admin = admin(a)) {
            admin.deleteTopics(List.of(topic)).all().get();
            emit("event", "deleted", "topic", topic);
        }
    }

    static void listTopics(Args a) throws Exception {
        try (Admin admin = admin(a)) {
            List<String> names = new ArrayList<>(admin.listTopics().names().get());
            names.sort(null);
            emit("event", "topics", "names", names);
        }
    }

    static void listOffsets(Args a) throws Exception {
        String topic = a.required("topic");
        try (Admin admin = admin(a)) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<String, OffsetSpec> specs = Map.of("earliest", OffsetSpec.earliest(), "latest", OffsetSpec.latest(), "maxTimestamp", OffsetSpec.maxTimestamp());
            Map<String, Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo>> results = new HashMap<>();
            for (Map.Entry<String, OffsetSpec> s : specs.entrySet()) {
                Map<TopicPartition, OffsetSpec> req = new HashMap<>();
                for (TopicPartitionInfo pi : d.partitions()) req.put(new TopicPartition(topic, pi.partition()), s.getValue());
                results.put(s.getKey(), admin.listOffsets(req).all().get());
            }
            for (TopicPartitionInfo pi : d.partitions()) {
                TopicPartition tp = new TopicPartition(topic, pi.partition());
                ListOffsetsResult.ListOffsetsResultInfo max = results.get("maxTimestamp").get(tp);
                emit("event", "offsets", "topic", topic, "partition", pi.partition(), "earliest", results.get("earliest").get(tp).offset(),
                    "latest", results.get("latest").get(tp).offset(), "maxTimestampOffset", max.offset(), "maxTimestamp", max.timestamp());
            }
        }
    }

    static void describeCluster(Args a) throws Exception {
        try (Admin admin = admin(a)) {
            DescribeClusterResult res = admin.describeCluster();
            List<Object> nodes = new ArrayList<>();
            for (Node n : res.nodes().get()) nodes.add(obj("id", n.id(), "host", n.host(), "port", n.port(), "rack", n.rack()));
            Node controller = res.controller().get();
            emit("event", "cluster", "clusterId", res.clusterId().get(), "controller", controller == null ? null : controller.id(), "nodes", nodes);
        }
    }

    // ---- scenarios of the differential suite (test/compat/differential) ----

    static Properties byteProducerProps(Args a) {
        Properties p = clientProps(a);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    static Properties byteConsumerProps(Args a) {
        Properties p = clientProps(a);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }

    static List<TopicPartition> partitionsOf(Admin admin, String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
        List<TopicPartition> tps = new ArrayList<>();
        for (TopicPartitionInfo pi : d.partitions()) tps.add(new TopicPartition(topic, pi.partition()));
        return tps;
    }

    static void produceLarge(Args a) throws Exception {
        String topic = a.required("topic");
        byte[] value = new byte[a.getInt("size", 1)];
        Arrays.fill(value, (byte) 'x');
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(byteProducerProps(a))) {
            RecordMetadata md = producer.send(new ProducerRecord<>(topic, a.getInt("partition", 0), null, value)).get();
            emit("event", "produced", "topic", md.topic(), "partition", md.partition(), "offset", md.offset());
        }
    }

    static void consumeDelete(Args a) throws Exception {
        String topic = a.required("topic");
        int count = a.getInt("count", 1);
        int afterMs = a.getInt("after-ms", 3000);
        try (Admin admin = admin(a); KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(byteConsumerProps(a))) {
            List<TopicPartition> tps = partitionsOf(admin, topic);
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            int seen = 0;
            long deadline = System.currentTimeMillis() + 15_000;
            while (seen < count && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    emit("event", "record", "partition", r.partition(), "offset", r.offset(), "key", utf8(r.key()), "value", utf8(r.value()));
                    seen++;
                }
            }
            admin.deleteTopics(List.of(topic)).all().get();
            emit("event", "deleted", "topic", topic);
            // poll() may keep throwing; each distinct exception is reported once, in order.
            Map<String, String> errors = new LinkedHashMap<>();
            int after = 0;
            deadline = System.currentTimeMillis() + afterMs;
            while (System.currentTimeMillis() < deadline) {
                try {
                    after += consumer.poll(Duration.ofMillis(200)).count();
                } catch (KafkaException e) {
                    errors.putIfAbsent(e.getClass().getName(), String.valueOf(e.getMessage()));
                }
            }
            List<Object> errs = new ArrayList<>();
            for (Map.Entry<String, String> e : errors.entrySet()) errs.add(obj("type", e.getKey(), "message", e.getValue()));
            boolean listed = admin.listTopics().names().get().contains(topic);
            emit("event", "after-delete", "records", after, "errors", errs, "listed", listed);
        }
    }

    /** The partitions each consumer owns, when they are disjoint and cover `all`; else null. */
    static List<List<Integer>> settledAssignment(List<KafkaConsumer<byte[], byte[]>> consumers, List<TopicPartition> all) {
        Set<TopicPartition> union = new HashSet<>();
        List<List<Integer>> out = new ArrayList<>();
        for (KafkaConsumer<byte[], byte[]> c : consumers) {
            List<Integer> mine = new ArrayList<>();
            for (TopicPartition tp : c.assignment()) {
                if (!union.add(tp)) return null;
                mine.add(tp.partition());
            }
            if (mine.isEmpty() && consumers.size() <= all.size()) return null;
            mine.sort(null);
            out.add(mine);
        }
        return union.size() == all.size() ? out : null;
    }

    /** Polls every consumer once, recording the records; dedups by partition and offset. */
    static void pollAll(List<KafkaConsumer<byte[], byte[]>> consumers, Set<String> seen) {
        for (KafkaConsumer<byte[], byte[]> c : consumers) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) seen.add(r.partition() + "@" + r.offset());
        }
    }

    static Map<String, Object> describeGroup(Admin admin, String group) throws Exception {
        ConsumerGroupDescription g = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        List<List<Integer>> assignments = new ArrayList<>();
        for (MemberDescription m : g.members()) {
            List<Integer> ps = new ArrayList<>();
            for (TopicPartition tp : m.assignment().topicPartitions()) ps.add(tp.partition());
            ps.sort(null);
            assignments.add(ps);
        }
        assignments.sort((x, y) -> x.toString().compareTo(y.toString()));
        return obj("state", String.valueOf(g.groupState()), "type", String.valueOf(g.type()), "simple", g.isSimpleConsumerGroup(),
            "assignor", g.partitionAssignor(), "members", g.members().size(), "assignments", assignments,
            "coordinator", g.coordinator() == null ? null : g.coordinator().id());
    }

    /** Committed offsets of `group` on `topic` and the lag of each partition (end offset - committed). */
    static Map<String, Object> groupOffsetsOf(Admin admin, String group, String topic) throws Exception {
        List<TopicPartition> tps = partitionsOf(admin, topic);
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        for (TopicPartition tp : tps) req.put(tp, OffsetSpec.latest());
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(req).all().get();
        Map<String, Object> perPartition = new TreeMap<>();
        for (TopicPartition tp : tps) {
            OffsetAndMetadata om = committed.get(tp);
            long end = ends.get(tp).offset();
            perPartition.put(String.valueOf(tp.partition()), om == null
                ? obj("committed", null, "end", end, "lag", null)
                : obj("committed", om.offset(), "leaderEpoch", om.leaderEpoch().orElse(null), "metadata", om.metadata(), "end", end, "lag", end - om.offset()));
        }
        return perPartition;
    }

    static void groupConsume(Args a) throws Exception {
        String topic = a.required("topic");
        String group = a.required("group");
        int members = a.getInt("members", 1);
        int count = a.getInt("count", 0);
        long deadline = System.currentTimeMillis() + a.getInt("timeout-ms", 30_000);
        List<KafkaConsumer<byte[], byte[]>> consumers = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (Admin admin = admin(a)) {
            List<TopicPartition> all = partitionsOf(admin, topic);
            try {
                // Members join one at a time, each once the group settled with the ones before it, so
                // the rebalances (and generations) come in the same order against any broker.
                for (int i = 0; i < members; i++) {
                    Properties p = byteConsumerProps(a);
                    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
                    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "weir-harness-java-" + i);
                    p.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                    KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
                    consumers.add(c);
                    c.subscribe(List.of(topic));
                    while (settledAssignment(consumers, all) == null) {
                        if (System.currentTimeMillis() > deadline) throw new IllegalStateException("member " + i + " did not settle in time");
                        pollAll(consumers, seen);
                    }
                }
                while (seen.size() < count) {
                    if (System.currentTimeMillis() > deadline) throw new IllegalStateException("read " + seen.size() + " of " + count + " records in time");
                    pollAll(consumers, seen);
                }
                // A little longer, to be sure no rebalance is still under way.
                long quiet = System.currentTimeMillis() + 500;
                while (System.currentTimeMillis() < quiet || settledAssignment(consumers, all) == null) {
                    if (System.currentTimeMillis() > deadline) throw new IllegalStateException("the group did not settle in time");
                    pollAll(consumers, seen);
                }
                List<List<Integer>> assignments = settledAssignment(consumers, all);
                List<Integer> generations = new ArrayList<>();
                for (KafkaConsumer<byte[], byte[]> c : consumers) {
                    c.commitSync();
                    generations.add(c.groupMetadata().generationId());
                }
                emit("event", "group-consumed", "records", seen.size(), "assignments", assignments, "generations", generations,
                    "group", describeGroup(admin, group), "offsets", groupOffsetsOf(admin, group, topic));
            } finally {
                for (KafkaConsumer<byte[], byte[]> c : consumers) c.close();
            }
            emit("event", "group-closed", "group", describeGroup(admin, group), "offsets", groupOffsetsOf(admin, group, topic));
        }
    }

    static void groupOffsets(Args a) throws Exception {
        String group = a.required("group");
        String topic = a.required("topic");
        try (Admin admin = admin(a)) {
            emit("event", "group-offsets", "group", describeGroup(admin, group), "offsets", groupOffsetsOf(admin, group, topic));
        }
    }

    public static void main(String[] argv) {
        if (argv.length == 0) {
            System.err.println("usage: WeirClientDriver SCENARIO --bootstrap HOST:PORT [options]; see the comment atop WeirClientDriver.java");
            System.exit(2);
        }
        String scenario = argv[0];
        try {
            Args a = Args.parse(argv, 1);
            switch (scenario) {
                case "produce" -> produce(a);
                case "consume" -> consume(a);
                case "create-topic" -> createTopic(a);
                case "describe-topic" -> describeTopic(a);
                case "delete-topic" -> deleteTopic(a);
                case "list-topics" -> listTopics(a);
                case "list-offsets" -> listOffsets(a);
                case "describe-cluster" -> describeCluster(a);
                case "produce-large" -> produceLarge(a);
                case "consume-delete" -> consumeDelete(a);
                case "group-consume" -> groupConsume(a);
                case "group-offsets" -> groupOffsets(a);
                default -> throw new UsageException("unknown scenario " + scenario);
            }
            System.exit(0);
        } catch (UsageException e) {
            emit("event", "error", "scenario", scenario, "type", "usage", "message", e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            emit("event", "error", "scenario", scenario, "type", cause.getClass().getName(), "message", String.valueOf(cause.getMessage()));
            System.exit(1);
        }
    }
}
