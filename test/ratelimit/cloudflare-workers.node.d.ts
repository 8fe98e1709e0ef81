// Node-side type-check only (tsconfig.node.json includes src/ratelimit/durable-object.ts but not
// @cloudflare/workers-types, whose globals clash with @types/node). The workerd side (tsconfig.json)
// never sees this file and checks the Durable Object against the real declarations.
declare module 'cloudflare:workers' {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: {
      storage: {
        kv: { get<T = unknown>(key: string): T | undefined; put<T>(key: string, value: T): void; delete(key: string): boolean };
        setAlarm(scheduledTime: number | Date): Promise<void>;
        deleteAll(): Promise<void>;
      };
    };
    protected env: Env;
    constructor(ctx: unknown, env: Env);
    alarm?(): void | Promise<void>;
  }
}
