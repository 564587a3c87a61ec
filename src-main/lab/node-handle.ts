/**
 * The Supervisor's data: its view of one node (NodeHandle, with the RemoteSlot a node on
 * another host has), the commands a remote node's agent takes, and the events the
 * Supervisor reports to its owner.
 */
import type { ChildProcess } from 'node:child_process';
import type { NodeRunState } from '../api/contract';
import type { ConfChange, NodeId, NodeStatus } from '../core/types';
import type { HostToNode, NodeConfig, NodeFatal } from '../node/contract';

/** ControlOrder is a membership or transfer order for a node (its request id is added by control). */
export type ControlOrder = { t: 'conf-change'; change: ConfChange } | { t: 'transfer'; to: NodeId };

/** RemoteCommand is what the supervisor asks a remote node's agent to do on its own host. */
export type RemoteCommand = HostToNode | { t: 'start' } | { t: 'crash' } | { t: 'pause' } | { t: 'resume' };

/** RemoteControl is a remote node's control session as the supervisor sees it. */
export interface RemoteControl {
  /** send delivers a command; false when the session is gone. */
  send(m: RemoteCommand): boolean;
}

/** RemoteSlot is the part of a handle that a node on another host has. */
export interface RemoteSlot {
  /** host: the host name its agent reported (null until one attached). */
  host: string | null;
  /** control: the live control session, or null while none is attached. */
  control: RemoteControl | null;
  /** proxyPort: the lab's loopback port that the gateway uses as this node's client port. */
  proxyPort: number | null;
  /** exitWaiters: crash() callers waiting for the agent to say the process is gone. */
  exitWaiters: (() => void)[];
}

/** NodeHandle is the supervisor's view of one node. */
export interface NodeHandle {
  id: NodeId;
  cfg: NodeConfig;
  proc: ChildProcess | null;
  state: NodeRunState;
  pid: number | null;
  clientPort: number | null;
  status: NodeStatus | null;
  lastApplied: number;
  damaged: boolean;
  /** expectingExit: the host killed it on purpose (crash/stop), so the exit is not a surprise. */
  expectingExit: boolean;
  /** damaging: a damage run is at work on the (stopped) node's file; it must not start meanwhile. */
  damaging: boolean;
  /** remote: set for a node another host runs (see the file comment). */
  remote?: RemoteSlot;
}

/** SupervisorEvents are what the supervisor reports to its owner. */
export interface SupervisorEvents {
  onReady(h: NodeHandle): void;
  onStatus(h: NodeHandle, prev: NodeStatus | null): void;
  onEvent(h: NodeHandle, kind: string, detail: Record<string, unknown>): void;
  /** onExit: the process is gone; `fatal` is the error it reported dying of (null: it reported none). */
  onExit(h: NodeHandle, code: number | null, signal: string | null, expected: boolean, fatal: NodeFatal | null): void;
}
