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

  it('collects the whole heap once the memory outside it has grown by the given amount since its lowest point', () => {
    const calls: Array<{ type: string }> = [];
    let outside = 100;
    const young = new YoungCollector(10, (options) => calls.push(options), () => outside, 50);
    young.add(10); // the first reading is the baseline
    outside = 149;
    young.add(10);
    expect(calls.map((c) => c.type)).toEqual(['minor', 'minor']);
    outside = 150;
    young.add(10);
    expect(calls.map((c) => c.type)).toEqual(['minor', 'minor', 'minor', 'major']);
    // After it, the baseline is what remained; a fall below it (V8's own collection) lowers it.
    outside = 60;
    young.add(10);
    outside = 109;
    young.add(10);
    expect(calls.filter((c) => c.type === 'major')).toHaveLength(1);
    outside = 110;
    young.add(10);
    expect(calls.filter((c) => c.type === 'major')).toHaveLength(2);
    // Between the byte counts nothing is read or collected.
    young.add(9);
    expect(calls).toHaveLength(8);
  });

  it('does nothing where the collector is not exposed', () => {
    expect(() => new YoungCollector(1, undefined).add(10)).not.toThrow();
  });
});
