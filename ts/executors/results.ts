// What a pool call gives back on the calling thread: Handles for the worker's addresses, errcheck functions run, disposed handles marked.

import { isHandle, markHandleDisposed } from '../memory/handle';
import { fromWireValue, type Payload } from './marshal';
import type { FunctionPlan } from './options';
import { valueAt, type ChunkReply } from './task-queue';

/**
 * The step that turns a worker's reply into the calls' outcomes on this thread, or undefined when the
 * reply is already that (no handle result, no errcheck function, no `disposes`).
 */
export function replyFinisher(plan: FunctionPlan, payload: Payload): ((reply: ChunkReply) => ChunkReply) | undefined {
  if (plan.check === undefined && plan.disposes === undefined && !plan.handleResult) return undefined;
  return (reply) => finishReply(plan, payload, reply);
}

/**
 * Per call, in order: a handle result becomes this side's Handle; the errcheck function runs with the
 * result and `{ fn, prototype, args }` (its return value is the result, its throw the call's error);
 * a call that succeeded marks the handle `disposes` names as disposed.
 */
function finishReply(plan: FunctionPlan, payload: Payload, reply: ChunkReply): ChunkReply {
  const values: unknown[] = new Array<unknown>(payload.n);
  let errors = reply.errors === undefined ? undefined : new Map(reply.errors);
  for (let k = 0; k < payload.n; k++) {
    if (errors?.has(k)) continue;
    const args = payload.calls[k] ?? [];
    let v = fromWireValue(valueAt(reply, k));
    if (plan.check !== undefined) {
      try {
        v = plan.check(v, { fn: plan.name, prototype: plan.prototype, args });
      } catch (err) {
        // Whatever it threw rejects the call, as the thrown value of a sync errcheck does.
        (errors ??= new Map()).set(k, err as Error);
        continue;
      }
    }
    if (plan.disposes !== undefined) {
      const h = args[plan.disposes];
      if (isHandle(h)) markHandleDisposed(h);
    }
    values[k] = v;
  }
  return { values, errors };
}
