/**
 * Scheduler messages that pass by themselves: a claim or volume created a moment ago that the
 * scheduler's cache does not hold yet (a claim bound to a volume it has not seen reads as "bound to
 * non-existent pv(s)"), or a volume still being bound. The scheduler retries them,
 * so reporting them as "cannot be scheduled" fails a start that is about to succeed.
 */
const VOLUME_NOT_READY_YET =
  /unbound immediate PersistentVolumeClaims|persistentvolumeclaim "[^"]+" not found|could not find v1\.PersistentVolumeClaim|persistentvolume "[^"]+" not found|pvc\(s\) bound to non-existent pv|waiting for (first consumer|volume)/i;

export function waitsForVolume(schedulerMessage: string): boolean {
  return VOLUME_NOT_READY_YET.test(schedulerMessage);
}
