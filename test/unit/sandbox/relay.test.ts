import * as assert from 'node:assert/strict';
import { inSubnet, isLoopbackHost, parseConnectLine } from '../../../scripts/sandbox/node/relay';

// Parsed only, never dialed: the node subnet lives in the sandbox's network namespace.
const NODE = '10.233.0.1'; // the sandbox netns node address
const NODE_SUBNET = '10.233.0.0/24'; // the sandbox netns node subnet

describe('sandbox node relay: which CONNECT targets it accepts', () => {
  it('parses the request line the API server sends, IPv4, names and bracketed IPv6', () => {
    assert.deepEqual(parseConnectLine(`CONNECT ${NODE}:10250 HTTP/1.1`), {
      host: NODE,
      port: 10250,
    });
    assert.deepEqual(parseConnectLine('CONNECT localhost:42005 HTTP/1.1'), {
      host: 'localhost',
      port: 42005,
    });
    assert.deepEqual(parseConnectLine('CONNECT [::1]:443 HTTP/1.0'), { host: '::1', port: 443 });
  });

  it('rejects anything else: other methods, missing or out-of-range ports, trailing text', () => {
    for (const line of [
      'GET / HTTP/1.1',
      `CONNECT ${NODE} HTTP/1.1`,
      `CONNECT ${NODE}:0 HTTP/1.1`,
      `CONNECT ${NODE}:70000 HTTP/1.1`,
      'CONNECT a:1 HTTP/1.1 x',
      'CONNECT a b:1 HTTP/1.1',
    ]) {
      // parsed only, never dialed (the node subnet lives in the sandbox netns)
      assert.equal(parseConnectLine(line), undefined, line);
    }
  });

  it('knows loopback targets (dialled on this machine) from all others', () => {
    for (const host of ['127.0.0.1', '127.64.0.3', 'localhost', '::1'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of [NODE, '128.0.0.1', 'localhost.example', '::2'])
      assert.equal(isLoopbackHost(host), false, host); // parsed only, never dialed (the node subnet lives in the sandbox netns)
  });

  it('limits node-side targets to the node subnet', () => {
    assert.equal(inSubnet(NODE, NODE_SUBNET), true);
    assert.equal(inSubnet('10.233.0.254', NODE_SUBNET), true); // in the sandbox netns subnet
    const outside = ['10.233.1.1', '10.232.0.1', '192.0.2.2', 'real-0', '::1']; // not the netns
    for (const host of outside) assert.equal(inSubnet(host, NODE_SUBNET), false, host);
    assert.equal(inSubnet('203.0.113.9', '0.0.0.0/0'), true);
  });
});
