/** What every config module reads from: a snapshot of environment variables, passed in so tests build one by hand. */
export type Env = Record<string, string | undefined>;

/** A variable's value with surrounding space removed, or undefined when it is unset or blank. */
export const nonEmpty = (v: string | undefined): string | undefined => (v && v.trim() ? v.trim() : undefined);
