import { describe, expect, it, vi } from "vitest";

import { keysetPages } from "./keysetPages";

/** Rows keyed 0, 2, 4, …: a page is read after the key of the last row before it. */
function rowsAfter(total: number) {
  return vi.fn((afterSeq: number, limit: number) => {
    const first = afterSeq < 0 ? 0 : afterSeq / 2 + 1;
    return Promise.resolve(Array.from({ length: Math.max(0, Math.min(limit, total - first)) }, (_, i) => (first + i) * 2));
  });
}

describe("keysetPages", () => {
  it("reads a far page after the pages before it, each once", async () => {
    const read = rowsAfter(25);
    const fetchPage = keysetPages(read, (seq: number) => seq, 25, 10);
    const third = await fetchPage(20, 10);
    expect(third).toEqual({ rows: [40, 42, 44, 46, 48], total: 25 });
    expect(read.mock.calls).toEqual([
      [-1, 10],
      [18, 10],
      [38, 10],
    ]);
    expect((await fetchPage(10, 10)).rows[0]).toBe(20);
    expect(read).toHaveBeenCalledTimes(3);
  });

  it("gives no rows past the end without asking, and reads a failed page again", async () => {
    const read = vi.fn<(afterSeq: number, limit: number) => Promise<number[]>>();
    read.mockRejectedValueOnce(new Error("offline"));
    read.mockResolvedValue([]);
    const fetchPage = keysetPages(read, (seq: number) => seq, 0, 10);
    await expect(fetchPage(0, 10)).rejects.toThrow("offline");
    expect(await fetchPage(0, 10)).toEqual({ rows: [], total: 0 });
    expect(await fetchPage(10, 10)).toEqual({ rows: [], total: 0 });
    expect(read).toHaveBeenCalledTimes(2);
  });
});
