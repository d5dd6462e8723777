/**
 * The simulator's agenda: a binary min-heap of timed events. Ties on time are
 * broken by insertion order (a sequence number), so two events scheduled for
 * the same millisecond always run in the order they were scheduled — one of
 * the two things (with the seeded generators) that makes a run reproducible.
 *
 * Push and pop cost O(log n); with 1,000 nodes the heap holds about 10^4
 * events (one heartbeat per node plus the messages in flight), 14 levels.
 *
 * @module
 */

/** An entry of the queue: when it fires and what it carries. */
interface Entry<E> {
  time: number;
  seq: number;
  event: E;
}

/** A min-heap of events by (time, insertion order). */
export class EventQueue<E> {
  readonly #heap: Entry<E>[] = [];
  #seq = 0;

  /** Number of events waiting. */
  get size(): number {
    return this.#heap.length;
  }

  /** The time of the next event, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.#heap[0]?.time;
  }

  /** Schedules `event` at `time` (ms of simulated time). */
  push(time: number, event: E): void {
    const heap = this.#heap;
    const entry: Entry<E> = { time, seq: this.#seq++, event };
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = entry;
  }

  /** Removes and returns the earliest event with its time, or `undefined` when empty. */
  pop(): { time: number; event: E } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    const n = heap.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r], heap[l]) ? r : l;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    return { time: top.time, event: top.event };
  }
}

function before<E>(a: Entry<E>, b: Entry<E>): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
