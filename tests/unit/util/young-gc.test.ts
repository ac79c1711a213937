import { describe, expect, it } from 'vitest';
import { YoungCollector } from '../../../ts/util/young-gc.js';

describe('YoungCollector', () => {
  it('asks for a young-generation collection each time the given bytes have passed, not before', () => {
    const calls: unknown[] = [];
    const young = new YoungCollector(1000, (options) => calls.push(options));
    young.add(400);
    young.add(599);
    expect(calls).toEqual([]);
    young.add(1);
    expect(calls).toEqual([{ type: 'minor' }]);
    young.add(2500);
    expect(calls).toHaveLength(2);
    young.add(999);
    expect(calls).toHaveLength(2);
  });

  it('does nothing where the collector is not exposed', () => {
    expect(() => new YoungCollector(1, undefined).add(10)).not.toThrow();
  });
});
