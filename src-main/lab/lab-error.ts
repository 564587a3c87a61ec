/**
 * LabError is the lab's one error type for what a user can cause (unknown node, a node
 * already down, …). It lives apart from lab-service.ts so the service's helpers can throw
 * it without importing the service (lab-service.ts re-exports it).
 */

/** LabError is an error a user caused; status is the HTTP status that fits it. */
export class LabError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
