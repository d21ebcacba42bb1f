// Escape sequences (CSI, OSC, two-byte), then any other C0/C1 control character.
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?|[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * Text a plugin wrote, made safe to show: colours, cursor moves and other control characters
 * removed, tabs turned into spaces. Linear: every match consumes what it scans.
 */
export function displayText(text: string): string {
  return text.replace(CONTROL, '').replace(/\t/g, ' ');
}
