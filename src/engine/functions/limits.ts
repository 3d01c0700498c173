/**
 * Numeric bounds of Spark's integral types as JS numbers. bigint values are doubles (exact to
 * 2^53), so the bigint bounds are the nearest doubles: ±2^63; a result at or beyond them
 * overflows.
 */
export const LONG_MIN = -(2 ** 63);
/** 2^63 as a double (2^63 - 1 is not representable); values `>= LONG_MAX_EXCLUSIVE` overflow. */
export const LONG_MAX_EXCLUSIVE = 2 ** 63;
/** The largest double that is a valid bigint (2^63 - 1024), for inclusive range checks. */
export const LONG_MAX = 2 ** 63 - 1024;
