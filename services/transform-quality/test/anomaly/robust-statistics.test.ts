// The robust statistics on small datasets worked by hand.
import assert from 'node:assert/strict';
import { meanAbsoluteDeviation, median, medianAbsoluteDeviation, robustScore } from '../../src/index.ts';

function close(actual: number | null, expected: number, digits = 4): void {
  assert.ok(actual !== null, 'a score');
  assert.equal(Math.round(actual * 10 ** digits) / 10 ** digits, expected);
}

describe('robust statistics', () => {
  it('median: the middle value, the mean of the two middle ones, NaN when empty; input order does not matter', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.equal(median([-5, 10, 0]), 0);
    assert.ok(Number.isNaN(median([])));
    const values = [9, 1, 4];
    median(values);
    assert.deepEqual(values, [9, 1, 4], 'the input is not sorted in place');
  });

  it('MAD of 1, 1, 2, 2, 4, 6, 9: median 2, deviations 1 1 0 0 2 4 7, MAD 1', () => {
    assert.equal(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9]), 1);
    assert.equal(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9], 4), 2, 'around another center: deviations 3 3 2 2 0 2 5');
  });

  it('modified z of 9 against 1, 1, 2, 2, 4, 6, 9 is 0.6745 · 7 / 1 = 4.7215', () => {
    const score = robustScore(9, [1, 1, 2, 2, 4, 6, 9]);
    assert.equal(score.median, 2);
    assert.equal(score.mad, 1);
    assert.equal(score.scale, 'MAD');
    close(score.z, 4.7215);
    close(robustScore(1, [1, 1, 2, 2, 4, 6, 9]).z, -0.6745);
  });

  it('one huge outlier barely moves the median and MAD (10, 11, 12, 13, 1000: median 12, MAD 1)', () => {
    const score = robustScore(14, [10, 11, 12, 13, 1000]);
    assert.equal(score.median, 12);
    assert.equal(score.mad, 1);
    close(score.z, 1.349);
  });

  it('MAD 0 falls back to the mean absolute deviation: 20 against 5 5 5 5 5 6 20 → 15 / (1.253314 · 16/7) = 5.2361', () => {
    const samples = [5, 5, 5, 5, 5, 6, 20];
    assert.equal(medianAbsoluteDeviation(samples), 0);
    close(meanAbsoluteDeviation(samples, 5), 2.2857);
    const score = robustScore(20, samples);
    assert.equal(score.scale, 'MEAN_AD');
    assert.equal(score.mad, 0);
    close(score.z, 5.2361);
  });

  it('identical samples have no scale: z is null', () => {
    const score = robustScore(1000, [7, 7, 7]);
    assert.deepEqual(score, { median: 7, mad: 0, scale: 'NONE', z: null });
  });
});
