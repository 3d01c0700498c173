"""Prints which compression codecs this kafka-python install can use (they need optional modules:
python-snappy, lz4, zstandard)."""
from kafka import codec

from common import emit

emit({
    "gzip": codec.has_gzip(),
    "snappy": codec.has_snappy(),
    "lz4": codec.has_lz4(),
    "zstd": codec.has_zstd(),
})
