import * as assert from 'node:assert/strict';
import { promptLinks } from '../../../../src/cluster/execCredentials/promptLinks';

describe('promptLinks', () => {
  it('Azure kubelogin device code: the page and the code in one sentence', () => {
    assert.deepEqual(
      promptLinks(
        'To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code FGDH5WXQ7 to authenticate.',
      ),
      { urls: ['https://microsoft.com/devicelogin'], userCode: 'FGDH5WXQ7' },
    );
  });

  it('aws sso login: the URL on one line, the code alone on a later one', () => {
    assert.deepEqual(promptLinks('https://device.sso.us-east-1.amazonaws.com/'), {
      urls: ['https://device.sso.us-east-1.amazonaws.com/'],
    });
    assert.deepEqual(promptLinks('Then enter the code:'), { urls: [] });
    assert.deepEqual(promptLinks('WDJB-MJHT'), { urls: [], userCode: 'WDJB-MJHT' });
  });

  it('int128/kubelogin: a complete verification URL and a user code', () => {
    assert.deepEqual(
      promptLinks(
        'Please visit the following URL in your browser: https://dex.example.com/device?user_code=KXRT-QWMP (user code: KXRT-QWMP)',
      ),
      { urls: ['https://dex.example.com/device?user_code=KXRT-QWMP'], userCode: 'KXRT-QWMP' },
    );
  });

  it('gcloud: an OAuth URL whose query says "code" is not a user code, nor is "Enter verification code:"', () => {
    const url =
      'https://accounts.google.com/o/oauth2/auth?response_type=code&client_id=32555940559.apps.googleusercontent.com&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
    assert.deepEqual(promptLinks(`    ${url}`), { urls: [url] });
    assert.deepEqual(promptLinks('Enter verification code: '), { urls: [] });
  });

  it('drops sentence punctuation and brackets around a URL; ignores words that merely follow "code"', () => {
    assert.deepEqual(
      promptLinks('Open (https://login.example.com/device), then enter the code shown there.'),
      { urls: ['https://login.example.com/device'] },
    );
    assert.deepEqual(promptLinks('Visit "https://a.example/x?y=1" or <http://b.example/>!'), {
      urls: ['https://a.example/x?y=1', 'http://b.example/'],
    });
    assert.deepEqual(promptLinks('Go to https://login.example.com/device.'), {
      urls: ['https://login.example.com/device'],
    });
    assert.deepEqual(
      promptLinks('Device code OK, waiting for approval'),
      { urls: [] },
      'a short word is not a code',
    );
  });

  it('is linear on long hostile lines', () => {
    const line = `${'code '.repeat(20_000)}${'-A'.repeat(20_000)}${'http://'.repeat(20_000)}`;
    const started = process.hrtime.bigint();
    promptLinks(line);
    // A generous bound: a quadratic scan of this line takes minutes.
    assert.ok(process.hrtime.bigint() - started < 2_000_000_000n);
  });
});
