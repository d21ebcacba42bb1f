/** What a login prompt line asks of the user: pages to open and a code to type there. */
export interface PromptLinks {
  readonly urls: readonly string[];
  readonly userCode?: string;
}

// A URL ends at whitespace, a quote or a bracket; trailing sentence punctuation is not part of it.
const URL_PATTERN = /https?:\/\/[^\s"'<>()[\]{}]+/g;
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;
// "enter the code FGDH5WXQ7", "user code: ABCD-EFGH"; the word "code" in any case, the code itself in capitals.
const CODE_AFTER_WORD = /\b[Cc][Oo][Dd][Ee]\b[\s:="']*([A-Z0-9]+(?:-[A-Z0-9]+)*)(?![\w-])/g;
// `aws sso login` prints the code alone on its own line.
const CODE_ALONE = /^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$/;

function looksLikeCode(value: string): boolean {
  return value.length >= 4 && (/[\d-]/.test(value) || value.length >= 6);
}

/**
 * The URLs and the device (user) code in one line of a plugin's prompt, as printed by
 * `aws sso login`, kubelogin's device-code flow or gcloud. Pure and linear in the line.
 */
export function promptLinks(line: string): PromptLinks {
  const urls = [...line.matchAll(URL_PATTERN)].map((match) =>
    match[0].replace(TRAILING_PUNCTUATION, ''),
  );
  const text = line.replace(URL_PATTERN, ' ');
  const candidates = [...text.matchAll(CODE_AFTER_WORD)].map((match) => match[1]);
  const alone = CODE_ALONE.exec(text)?.[1];
  const userCode = [...candidates, ...(alone ? [alone] : [])].find(looksLikeCode);
  return userCode ? { urls, userCode } : { urls };
}
