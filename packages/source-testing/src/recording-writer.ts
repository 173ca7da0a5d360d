// An EventWriter that keeps what the runtime wrote, in order, and can fail on demand (a Kafka outage).
import type { EventWriter, OutgoingEvent } from '@tributary/connector-kit';

/** A written value with the envelope fields tests read. */
export type RecordedValue = Record<string, unknown> & { envelope: { event_id: string; entity_id: string; observation: string } };

export class RecordingWriter implements EventWriter {
  readonly events: OutgoingEvent[] = [];
  /** When set, every write fails with it. */
  failWith: unknown;
  /** Writes containing an event of these topics fail (a Kafka outage for one topic). */
  readonly failingTopics = new Set<string>();

  async write(events: readonly OutgoingEvent[]): Promise<void> {
    if (this.failWith !== undefined) throw this.failWith;
    if (events.some((event) => this.failingTopics.has(event.topic)))
      throw new Error(`writing to ${[...this.failingTopics].join(', ')} failed`);
    this.events.push(...events);
  }

  /** The values written to one topic, in order. */
  on(topic: string): Array<Record<string, unknown>> {
    return this.events.filter((event) => event.topic === topic).map((event) => event.value);
  }

  /** The same, typed with the envelope fields. */
  of(topic: string): RecordedValue[] {
    return this.on(topic) as RecordedValue[];
  }
}
