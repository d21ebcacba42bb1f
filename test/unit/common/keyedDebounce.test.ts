import * as assert from 'node:assert/strict';
import { KeyedDebounce } from '../../../src/common/model/keyedDebounce';
import { waitFor } from '../../waitFor';

describe('KeyedDebounce', () => {
  it('runs once per key after a burst, with the last action', async () => {
    const debounce = new KeyedDebounce<string>(20);
    const ran: string[] = [];
    for (let keystroke = 0; keystroke < 50; keystroke++)
      debounce.schedule('a', () => ran.push(`a${keystroke}`));
    debounce.schedule('b', () => ran.push('b'));
    await waitFor(() => debounce.pending === 0, 5000, 'both keys to run');
    assert.deepEqual(ran.sort(), ['a49', 'b']);
    debounce.dispose();
  });

  it('cancel and dispose drop what is pending', async () => {
    const debounce = new KeyedDebounce<string>(10);
    const ran: string[] = [];
    debounce.schedule('a', () => ran.push('a'));
    debounce.schedule('b', () => ran.push('b'));
    debounce.cancel('a');
    await waitFor(() => debounce.pending === 0, 5000, 'b to run');
    debounce.schedule('c', () => ran.push('c'));
    debounce.dispose();
    assert.equal(debounce.pending, 0);
    assert.deepEqual(ran, ['b']);
  });
});
