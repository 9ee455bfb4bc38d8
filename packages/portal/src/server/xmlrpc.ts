// A small XML-RPC codec: enough of the spec (http://xmlrpc.com/spec.md) to talk to supervisord, which is Python's
// xmlrpc.server underneath. Pure: text in, values out.

export type XmlRpcValue = string | number | boolean | null | XmlRpcValue[] | { [key: string]: XmlRpcValue };

export class XmlRpcFault extends Error {
  constructor(
    readonly code: number,
    readonly faultString: string,
  ) {
    super(`XML-RPC fault ${code}: ${faultString}`);
  }
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function encodeValue(value: XmlRpcValue): string {
  if (value === null) return '<value><nil/></value>';
  if (typeof value === 'string') return `<value><string>${escapeText(value)}</string></value>`;
  if (typeof value === 'boolean') return `<value><boolean>${value ? 1 : 0}</boolean></value>`;
  if (typeof value === 'number') {
    return Number.isInteger(value) ? `<value><int>${value}</int></value>` : `<value><double>${value}</double></value>`;
  }
  if (Array.isArray(value)) return `<value><array><data>${value.map(encodeValue).join('')}</data></array></value>`;
  const members = Object.entries(value).map(([name, v]) => `<member><name>${escapeText(name)}</name>${encodeValue(v)}</member>`);
  return `<value><struct>${members.join('')}</struct></value>`;
}

export function encodeMethodCall(method: string, params: readonly XmlRpcValue[]): string {
  const encoded = params.map((p) => `<param>${encodeValue(p)}</param>`).join('');
  return `<?xml version="1.0"?>\n<methodCall><methodName>${escapeText(method)}</methodName><params>${encoded}</params></methodCall>\n`;
}

export function encodeMethodResponse(value: XmlRpcValue): string {
  return `<?xml version="1.0"?>\n<methodResponse><params><param>${encodeValue(value)}</param></params></methodResponse>\n`;
}

export function encodeFault(code: number, faultString: string): string {
  return `<?xml version="1.0"?>\n<methodResponse><fault>${encodeValue({ faultCode: code, faultString })}</fault></methodResponse>\n`;
}

// ---- parsing -------------------------------------------------------------------------------------------------

interface XmlElement {
  name: string;
  children: XmlNode[];
}
type XmlNode = XmlElement | string;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (match, body: string) => {
    if (body.startsWith('#x')) return String.fromCodePoint(parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(parseInt(body.slice(1), 10));
    return ENTITIES[body] ?? match;
  });
}

/** Parses the element-and-text subset of XML that XML-RPC uses (no attributes matter, no namespaces). */
function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [] };
  const stack: XmlElement[] = [root];
  let at = 0;
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    if (lt < 0) {
      stack[stack.length - 1].children.push(decodeEntities(text.slice(at)));
      break;
    }
    if (lt > at) stack[stack.length - 1].children.push(decodeEntities(text.slice(at, lt)));
    const skipTo = (marker: string) => {
      const end = text.indexOf(marker, lt);
      if (end < 0) throw new Error(`XML-RPC: missing '${marker}'`);
      return end;
    };
    if (text.startsWith('<?', lt)) {
      at = skipTo('?>') + 2;
    } else if (text.startsWith('<!--', lt)) {
      at = skipTo('-->') + 3;
    } else if (text.startsWith('<![CDATA[', lt)) {
      const end = skipTo(']]>');
      stack[stack.length - 1].children.push(text.slice(lt + 9, end));
      at = end + 3;
    } else {
      const gt = skipTo('>');
      const tag = text.slice(lt + 1, gt).trim();
      if (tag.startsWith('/')) {
        const name = tag.slice(1).trim();
        const open = stack.length > 1 ? stack.pop() : undefined;
        if (!open || open.name !== name) throw new Error(`XML-RPC: </${name}> does not close an open element`);
      } else {
        const selfClosing = tag.endsWith('/');
        const name = (selfClosing ? tag.slice(0, -1) : tag).trim().split(/\s/)[0];
        const element: XmlElement = { name, children: [] };
        stack[stack.length - 1].children.push(element);
        if (!selfClosing) stack.push(element);
      }
      at = gt + 1;
    }
  }
  if (stack.length !== 1) throw new Error(`XML-RPC: <${stack[stack.length - 1].name}> is never closed`);
  return root;
}

function elements(node: XmlElement): XmlElement[] {
  return node.children.filter((c): c is XmlElement => typeof c !== 'string');
}

function textOf(node: XmlElement): string {
  return node.children.map((c) => (typeof c === 'string' ? c : textOf(c))).join('');
}

function child(node: XmlElement, name: string): XmlElement {
  const found = elements(node).find((e) => e.name === name);
  if (!found) throw new Error(`XML-RPC: <${node.name}> has no <${name}>`);
  return found;
}

function decodeValueElement(value: XmlElement): XmlRpcValue {
  const typed = elements(value)[0];
  if (!typed) return textOf(value); // a bare <value>text</value> is a string
  const text = textOf(typed);
  switch (typed.name) {
    case 'string':
      return text;
    case 'int':
    case 'i4':
    case 'i8':
      return parseInt(text.trim(), 10);
    case 'double':
      return parseFloat(text.trim());
    case 'boolean':
      return text.trim() === '1';
    case 'nil':
      return null;
    case 'dateTime.iso8601':
    case 'base64':
      return text.trim();
    case 'array':
      return elements(child(typed, 'data'))
        .filter((e) => e.name === 'value')
        .map(decodeValueElement);
    case 'struct': {
      const result: Record<string, XmlRpcValue> = {};
      for (const member of elements(typed).filter((e) => e.name === 'member')) {
        result[textOf(child(member, 'name'))] = decodeValueElement(child(member, 'value'));
      }
      return result;
    }
    default:
      throw new Error(`XML-RPC: unknown value type <${typed.name}>`);
  }
}

/** The value of a methodResponse; a fault becomes a thrown XmlRpcFault. */
export function decodeMethodResponse(text: string): XmlRpcValue {
  const response = child(parseXml(text), 'methodResponse');
  const fault = elements(response).find((e) => e.name === 'fault');
  if (fault) {
    const struct = decodeValueElement(child(fault, 'value')) as { faultCode?: number; faultString?: string };
    throw new XmlRpcFault(Number(struct.faultCode), String(struct.faultString ?? ''));
  }
  const param = child(child(response, 'params'), 'param');
  return decodeValueElement(child(param, 'value'));
}

/** Method name and parameters of a methodCall (the fake supervisor of the specs serves these). */
export function decodeMethodCall(text: string): { method: string; params: XmlRpcValue[] } {
  const call = child(parseXml(text), 'methodCall');
  const method = textOf(child(call, 'methodName')).trim();
  const params = elements(call).find((e) => e.name === 'params');
  return {
    method,
    params: params
      ? elements(params)
          .filter((e) => e.name === 'param')
          .map((p) => decodeValueElement(child(p, 'value')))
      : [],
  };
}
