/**
 * Target is one system under test (the lab's cluster or etcd's), seen the same way by the
 * workload: clients that put over one connection each, and the steps of a failover trial.
 */

/** PutClient is one client holding one keep-alive connection. */
export interface PutClient {
  /**
   * put writes one key; resolves true only if the system acknowledged it. A target that can
   * say why a put was not acknowledged resolves that reason (e.g. `HTTP 503 no-leader`), so
   * the bench counts errors by kind.
   */
  put(key: string, value: string): Promise<boolean | string>;
  close(): void;
}

/** ReadClient is one client sending linearizable gets over one keep-alive connection. */
export interface ReadClient {
  /** get reads one key; resolves true only if the answer carried the value the ReadSet expects for it, else why not. */
  get(key: string): Promise<true | string>;
  close(): void;
}

/** ReadTarget is a system the read rows drive (bench/read-load.ts). */
export interface ReadTarget {
  /** reader opens one read client whose answers `check` judges (bench/read-load.ts's ReadSet.check). */
  reader(check: (key: string, value: string | null) => true | string): ReadClient;
  /** processes lists the system's processes by name (the leader's marked), for the CPU each used per request (/proc). */
  processes(): Promise<ServerProcess[]>;
}

/** ServerProcess is one process of a system under test: a name (`host`, `n1 (leader)`, `m2`) and its PID. */
export interface ServerProcess {
  name: string;
  pid: number;
}

/** KillResult says when (performance.now() ms, taken just before the kill) and whom a failover trial killed. */
export interface KillResult {
  t0: number;
  victim: string;
}

/** TargetName names the two systems. */
export type TargetName = 'lab' | 'etcd';

/** Target is a running 3-member cluster the bench drives. */
export interface Target {
  readonly name: TargetName;
  /** version: what is measured (etcd --version, the lab's git commit). */
  readonly version: string;
  /** client opens one client (one connection) for the throughput rows. */
  client(): PutClient;
  /** killLeader finds the current leader and SIGKILLs it. */
  killLeader(): Promise<KillResult>;
  /** failoverPut sends one put to the survivors (bounded by timeoutMs); true if acknowledged. */
  failoverPut(key: string, value: string, timeoutMs: number): Promise<boolean>;
  /** recover restarts the killed member and waits until the whole cluster is healthy again. */
  recover(): Promise<void>;
  /** stop ends every process of this target. */
  stop(): Promise<void>;
}
