/**
 * The audit chain's canonical JSON is RFC 8785 (JCS). The vectors below are the RFC's own: the sample
 * of section 3.2.2, the property-sorting sample of section 3.2.3 and the number table of appendix B
 * (IEEE 754 bit patterns and the text ECMAScript, and so JCS, writes for them).
 */
import { createHash } from 'node:crypto';
import { canonicalJson, NotCanonicalisableError } from '../../lambdas/audit/canonical-json';

const fromBits = (hex: string): number => Buffer.from(hex, 'hex').readDoubleBE(0);

describe('canonical JSON is RFC 8785 (JCS)', () => {
  it('serialises the sample input of section 3.2.2 exactly as the RFC prints it', () => {
    // Prepare: the sample parsed as JSON (so its number literals go through the JSON parser, as in the RFC)
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    // Act
    const text = canonicalJson(input);
    // Assess
    expect(text).toBe('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}');
  });

  it('sorts the properties of section 3.2.3 by UTF-16 code units, emoji surrogates before U+FB33', () => {
    // Prepare
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Act
    const text = canonicalJson(input);
    // Assess
    expect(text).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['ffefffffffffffff', '-1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['c340000000000000', '-9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af5', '9.999999999999997e+22'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4e', '999999999999999700000'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555553', '333333333.3333332'],
    ['41b3de4355555554', '333333333.33333325'],
    ['41b3de4355555555', '333333333.3333333'],
    ['41b3de4355555556', '333333333.3333334'],
    ['41b3de4355555557', '333333333.33333343'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the IEEE 754 value %s as %s (appendix B)', (bits, text) => {
    expect(canonicalJson(fromBits(bits))).toBe(text);
  });

  it.each([
    ['7fffffffffffffff', 'NaN'],
    ['7ff0000000000000', 'Infinity'],
  ])('refuses the IEEE 754 value %s (%s), which JSON cannot hold (appendix B)', (bits) => {
    expect(() => canonicalJson(fromBits(bits))).toThrow(NotCanonicalisableError);
  });

  it('escapes only quote, backslash and controls below U+0020, short forms first, the rest as lower-case \\u00xx', () => {
    expect(canonicalJson('\b\t\n\f\r\u0000\u001f"\\/\u007f\u2028')).toBe('"\\b\\t\\n\\f\\r\\u0000\\u001f\\"\\\\/\u007f\u2028"');
  });

  it('refuses a lone surrogate, which I-JSON (the input JCS accepts) forbids and UTF-8 cannot carry', () => {
    expect(() => canonicalJson({ details: 'a\ud800b' })).toThrow(NotCanonicalisableError);
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow(NotCanonicalisableError);
    expect(canonicalJson('\ud83d\ude00')).toBe('"\ud83d\ude00"');
  });

  it('hashes to the same digest whatever order the record was built in, nested objects included', () => {
    const a = canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'x' });
    const b = canonicalJson({ a: 'x', b: [1, { x: 1, y: 2 }] });
    expect(createHash('sha256').update(a).digest('hex')).toBe(createHash('sha256').update(b).digest('hex'));
    expect(a).toBe('{"a":"x","b":[1,{"x":1,"y":2}]}');
  });

  it('drops undefined members and writes undefined array elements as null, as the stored JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined, 1] })).toBe('{"b":[null,1]}');
  });
});
