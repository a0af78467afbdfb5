import { describe, expect, it } from "vitest";
import { checkUrl } from "../../src/net/safe-fetch";

describe("checkUrl (the SSRF guard)", () => {
  it("refuses private, loopback, link-local and mapped addresses and private names outside development", () => {
    for (const url of ["http://127.0.0.1/", "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/", "http://169.254.169.254/latest",
      "http://[::1]/", "http://[fd00::1]/", "http://[::ffff:10.0.0.1]/", "http://localhost:8787/", "http://printer.local/", "http://intranet/"]) {
      expect(() => checkUrl(url, false), url).toThrow(expect.objectContaining({ code: "private_address" }));
    }
    expect(checkUrl("https://example.com/feed.xml", false).host).toBe("example.com");
    expect(checkUrl("http://8.8.8.8/", false).host).toBe("8.8.8.8");
    // Development allows local feed servers, but never another scheme or embedded credentials.
    expect(checkUrl("http://127.0.0.1:8787/demo/feeds/a.xml", true).port).toBe("8787");
    expect(() => checkUrl("file:///etc/passwd", true)).toThrow(expect.objectContaining({ code: "scheme" }));
    expect(() => checkUrl("https://user:pw@example.com/", true)).toThrow(expect.objectContaining({ code: "bad_url" }));
    expect(() => checkUrl("not a url", true)).toThrow(expect.objectContaining({ code: "bad_url" }));
  });
});
