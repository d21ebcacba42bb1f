// The attach/detach controller's and kubelet's volume events, in plain words. On ReadWriteOnce
// disks (EBS, Persistent Disk, Azure Disk) a volume attached to one node cannot be used by a pod
// on another: the event says "Multi-Attach error", which users rarely recognise.

/** What the event means for the user, or undefined when it is not about attaching a volume. */
export function explainVolumeAttach(
  reason: string | undefined,
  message: string,
): string | undefined {
  if (reason !== 'FailedAttachVolume' && reason !== 'FailedMount') return undefined;
  const volume = /volume "([^"]+)"/.exec(message)?.[1];
  const subject = volume ? `volume ${volume}` : 'the volume';
  if (/Multi-Attach error/i.test(message)) {
    const users = /already used by pod\(s\) ([^\n]+?)(?:\.|$)/i.exec(message)?.[1]?.trim();
    return `${subject} is a ReadWriteOnce disk already attached to another node${users ? ` (used by pod ${users})` : ''}: a disk like that attaches to one node at a time (Multi-Attach error).`;
  }
  if (reason === 'FailedAttachVolume')
    return `${subject} could not be attached to the node (FailedAttachVolume): ${message.split('\n')[0]}`;
  if (/timed out waiting for the condition|unmounted volumes|unattached volumes/i.test(message))
    return `${subject} is not attached or mounted yet (FailedMount); a disk still attached elsewhere keeps it waiting: ${message.split('\n')[0]}`;
  return undefined;
}
