// The Evals API's limits on metadata, for evals and runs alike.
export const METADATA_MAX_KEYS = 16;
export const METADATA_MAX_KEY_CHARS = 64;
export const METADATA_MAX_VALUE_CHARS = 512;
