/** Types of scripts/build-console.mjs, for tests that build the console into a temp folder. */
export function buildConsole(options?: {
  outDir?: string;
  minify?: boolean;
}): Promise<{ outDir: string; files: string[] }>;
