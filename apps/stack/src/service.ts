// What the supervisor needs to know about a service: how to start it, how to tell it is ready,
// what it depends on, which ports it takes. Services are built from the run's context so that
// ports, paths and secrets come from one place.
import type { Config, Ports, Secrets } from '@openline/config';
import type { StackPaths } from './paths';
import type { ReadinessProbe } from './probes';

export interface StackContext {
  rootDir: string;
  config: Config;
  secrets: Secrets;
  ports: Ports;
  paths: StackPaths;
}

export interface PortClaim {
  port: number;
  proto: 'tcp' | 'udp';
}

export interface ServiceDefinition {
  /** Unique; names the log file, pid file and console prefix. */
  name: string;
  /** Executable: absolute path, or a name looked up in PATH (plus /usr/sbin, /sbin). */
  command: string;
  args: readonly string[];
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /** Names of services that must be ready before this one starts. */
  dependsOn?: readonly string[];
  /** Ports the service will listen on; checked free before anything starts. */
  ports: readonly PortClaim[];
  ready: ReadinessProbe;
  /** Default: config.stack.startTimeoutSeconds. */
  startTimeoutMs?: number;
  /** Default: config.stack.stopTimeoutSeconds. */
  stopTimeoutMs?: number;
  /** Where the binary comes from, for the "missing binary" message. */
  installHint?: string;
  /** Runs before spawning (render config, initialise a data dir). */
  prepare?: () => Promise<void>;
  /** Runs once ready (create the database, run migrations). */
  afterReady?: () => Promise<void>;
  /** Lines printed when the stack is up: "SIP       sip:127.0.0.1:35060;transport=udp,tcp". */
  endpoints?: readonly string[];
}

/** Builds a service for a run; the registry is a list of these. */
export type ServiceFactory = (ctx: StackContext) => ServiceDefinition;
