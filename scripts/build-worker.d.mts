export declare const repoRoot: string;
export declare const defaultWorkerBundle: string;
export declare function buildWorker(options?: { outfile?: string }): string;
