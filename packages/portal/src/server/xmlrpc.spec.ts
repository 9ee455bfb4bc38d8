import { describe, expect, it } from 'vitest';
import { decodeMethodCall, decodeMethodResponse, encodeFault, encodeMethodCall, encodeMethodResponse, XmlRpcFault } from './xmlrpc';

// As Python's xmlrpc.client.dumps (what supervisord uses) writes them.
const PYTHON_RESPONSE = `<?xml version='1.0'?>
<methodResponse>
<params>
<param>
<value><array><data>
<value><struct>
<member>
<name>name</name>
<value><string>jupyter</string></value>
</member>
<member>
<name>pid</name>
<value><int>42</int></value>
</member>
<member>
<name>description</name>
<value><string>pid 42, uptime 0:01:02 &amp; &lt;ok&gt;</string></value>
</member>
<member>
<name>spawnerr</name>
<value><string></string></value>
</member>
<member>
<name>bare</name>
<value>text without type</value>
</member>
</struct></value>
</data></array></value>
</param>
</params>
</methodResponse>
`;

const PYTHON_FAULT = `<?xml version='1.0'?>
<methodResponse>
<fault>
<value><struct>
<member>
<name>faultCode</name>
<value><int>10</int></value>
</member>
<member>
<name>faultString</name>
<value><string>BAD_NAME: nope</string></value>
</member>
</struct></value>
</fault>
</methodResponse>
`;

describe('xmlrpc', () => {
  it('decodes a supervisord response with structs, arrays, entities and untyped strings', () => {
    expect(decodeMethodResponse(PYTHON_RESPONSE)).toEqual([
      { name: 'jupyter', pid: 42, description: 'pid 42, uptime 0:01:02 & <ok>', spawnerr: '', bare: 'text without type' },
    ]);
  });

  it('turns a fault into an XmlRpcFault with code and string', () => {
    expect(() => decodeMethodResponse(PYTHON_FAULT)).toThrow(XmlRpcFault);
    try {
      decodeMethodResponse(PYTHON_FAULT);
    } catch (error) {
      expect((error as XmlRpcFault).code).toBe(10);
      expect((error as XmlRpcFault).faultString).toBe('BAD_NAME: nope');
    }
  });

  it('decodes booleans, doubles, nil, i4 and character references', () => {
    const text =
      '<methodResponse><params><param><value><array><data><value><boolean>1</boolean></value><value><boolean>0</boolean></value>' +
      '<value><double>1.5</double></value><value><nil/></value><value><i4>-7</i4></value><value><string>&#233;&#x263A;</string></value></data></array></value></param></params></methodResponse>';
    expect(decodeMethodResponse(text)).toEqual([true, false, 1.5, null, -7, 'é☺']);
  });

  it('encodes a call that it (and supervisord) can read back', () => {
    const text = encodeMethodCall('supervisor.startProcess', ['a<b&c', false]);
    expect(text).toBe(
      '<?xml version="1.0"?>\n<methodCall><methodName>supervisor.startProcess</methodName><params>' +
        '<param><value><string>a&lt;b&amp;c</string></value></param><param><value><boolean>0</boolean></value></param></params></methodCall>\n',
    );
    expect(decodeMethodCall(text)).toEqual({ method: 'supervisor.startProcess', params: ['a<b&c', false] });
  });

  it('round-trips responses and faults', () => {
    const value = { list: [1, 'two', { three: true }], empty: [] };
    expect(decodeMethodResponse(encodeMethodResponse(value))).toEqual(value);
    expect(() => decodeMethodResponse(encodeFault(70, 'NOT_RUNNING: x'))).toThrow('XML-RPC fault 70: NOT_RUNNING: x');
  });

  it('rejects malformed XML instead of guessing', () => {
    expect(() => decodeMethodResponse('<methodResponse><params>')).toThrow(/never closed/);
    expect(() => decodeMethodResponse('<methodResponse></params>')).toThrow(/does not close/);
    expect(() => decodeMethodResponse('<html>502 Bad Gateway</html>')).toThrow(/has no <methodResponse>/);
  });
});
