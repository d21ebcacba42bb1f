/**
 * Host-to-webview delivery around the 'ready' handshake. A webview's script listens only after
 * it said 'ready', and a webview without retained context is thrown away while hidden. Posts are
 * delivered only while it listens; each 'ready' runs `restore`, which posts the whole state, so
 * posts meanwhile are dropped rather than queued (a queue would deliver them twice: held, then
 * restored).
 */
export class ViewGate<Message> {
  private listening = false;

  constructor(
    private readonly deliver: (message: Message) => void,
    private readonly restore: () => void,
  ) {}

  post(message: Message): void {
    if (this.listening) this.deliver(message);
  }

  /** The view said 'ready': it listens, and gets the whole state. */
  ready(): void {
    this.listening = true;
    this.restore();
  }

  /** The view was thrown away (hidden without retained context, or closed). */
  discarded(): void {
    this.listening = false;
  }
}
