/**
 * The Temporal CLI resolver moved to src/testing/temporal-cli.ts so the package ships it (startTestStack uses it);
 * the scripts keep importing it from here.
 */
export * from '../src/testing/temporal-cli';
