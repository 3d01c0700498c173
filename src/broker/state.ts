/**
 * What handlers share: the broker's config, its log, producer state and topic ids. One
 * {@link BrokerState} per broker; handlers are functions of (state, request).
 */
import { ZERO_UUID } from "../protocol/schema/index.js";
import type { LogManager, TopicDescription } from "../log/index.js";
import { isWeirError } from "../util/errors.js";
import type { BrokerConfig } from "./config.js";
import type { GroupCoordinator } from "./coordinator/index.js";
import type { ProducerStateManager } from "./producer-state.js";

/** See the module comment. */
export class BrokerState {
  /** Host and port advertised in Metadata (the bound address). */
  advertised: { host: string; port: number };
  /** The group coordinator; set by Broker.start once __consumer_offsets is loaded. */
  groups!: GroupCoordinator;
  /** Topic creations under way, so concurrent auto-creates of one name create it once. */
  private readonly creating = new Map<string, Promise<TopicDescription>>();

  constructor(
    readonly config: BrokerConfig,
    readonly log: LogManager,
    readonly producers: ProducerStateManager,
  ) {
    this.advertised = { host: config.host, port: config.port };
  }

  /**
   * The topic's id (Metadata v10+): a UUID the log gives a topic at creation and keeps across
   * restarts; a topic deleted and created again gets a new one, which is what clients use ids to
   * notice. The zero UUID for a topic that does not exist.
   */
  topicId(name: string): string {
    return this.log.hasTopic(name) ? this.log.describeTopic(name).topicId : ZERO_UUID;
  }

  /** The name of the topic with id `id`, if any. */
  topicNameById(id: string): string | undefined {
    return this.log.topics().find((name) => this.log.describeTopic(name).topicId === id);
  }

  /**
   * Creates a topic (or joins a creation already under way). Rejects like
   * {@link LogManager.createTopic}; ALREADY_EXISTS when it exists.
   */
  createTopic(name: string, partitions: number, overrides: Record<string, string> = {}): Promise<TopicDescription> {
    const pending = this.creating.get(name);
    if (pending !== undefined) return pending;
    const p = this.log.createTopic(name, partitions, overrides).finally(() => this.creating.delete(name));
    this.creating.set(name, p);
    return p;
  }

  /**
   * True when `name` exists, creating it with the default partition count first when
   * auto-creation is on (Metadata and Produce, as kcat and librdkafka expect).
   */
  async ensureTopic(name: string): Promise<boolean> {
    if (this.log.hasTopic(name)) return true;
    if (!this.config.autoCreateTopics) return false;
    try {
      await this.createTopic(name, this.config.defaultPartitions);
      return true;
    } catch (e) {
      if (isWeirError(e, "ALREADY_EXISTS")) return true;
      throw e;
    }
  }
}
