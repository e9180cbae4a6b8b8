-- HMAC-SHA256 in LuaJIT (wrk's Lua), for `cargo xtask bench`: every request carries a thread of
-- its own, as Plain's do, so wrk signs each body as Plain does (hex HMAC-SHA256 of the raw body
-- under the workspace's secret). `hmac_signer(secret)` returns `sign(body) -> hex`; the keyed
-- inner and outer states are computed once. The request script's init() checks it against the
-- gateway's `sign` before use.
local band, bor, bxor, bnot = bit.band, bit.bor, bit.bxor, bit.bnot
local ror, rshift, lshift, tobit, tohex = bit.ror, bit.rshift, bit.lshift, bit.tobit, bit.tohex
local byte, char, rep = string.byte, string.char, string.rep
local K = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}
for i = 1, 64 do K[i] = tobit(K[i]) end
local W = {}
local function compress(H, s, off)
  for i = 0, 15 do
    local a, b, c, d = byte(s, off + i * 4, off + i * 4 + 3)
    W[i] = bor(lshift(a, 24), lshift(b, 16), lshift(c, 8), d)
  end
  for i = 16, 63 do
    local w15, w2 = W[i - 15], W[i - 2]
    W[i] = tobit(W[i - 16] + bxor(ror(w15, 7), ror(w15, 18), rshift(w15, 3))
      + W[i - 7] + bxor(ror(w2, 17), ror(w2, 19), rshift(w2, 10)))
  end
  local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
  for i = 0, 63 do
    local t1 = tobit(h + bxor(ror(e, 6), ror(e, 11), ror(e, 25)) + bxor(band(e, f), band(bnot(e), g)) + K[i + 1] + W[i])
    local t2 = tobit(bxor(ror(a, 2), ror(a, 13), ror(a, 22)) + bxor(band(a, b), band(a, c), band(b, c)))
    h, g, f, e, d, c, b, a = g, f, e, tobit(d + t1), c, b, a, tobit(t1 + t2)
  end
  H[1], H[2], H[3], H[4] = tobit(H[1] + a), tobit(H[2] + b), tobit(H[3] + c), tobit(H[4] + d)
  H[5], H[6], H[7], H[8] = tobit(H[5] + e), tobit(H[6] + f), tobit(H[7] + g), tobit(H[8] + h)
end
-- digest(state, msg, before): SHA-256 of (the `before` bytes already in state) .. msg.
local function digest(state, msg, before)
  local H = { state[1], state[2], state[3], state[4], state[5], state[6], state[7], state[8] }
  local bits = (before + #msg) * 8
  local tail = rep("\0", (55 - #msg) % 64)
  local len = char(0, 0, 0, band(rshift(bits, 24), 255), band(rshift(bits, 16), 255), band(rshift(bits, 8), 255), band(bits, 255))
  local s = msg .. "\128" .. tail .. "\0" .. len
  for off = 1, #s, 64 do compress(H, s, off) end
  return H
end
local IV = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 }
for i = 1, 8 do IV[i] = tobit(IV[i]) end
local function keyed(secret, pad)
  local H = { unpack(IV) }
  local block = {}
  for i = 1, 64 do block[i] = char(bxor(byte(secret, i) or 0, pad)) end
  compress(H, table.concat(block), 1)
  return H
end
local function words(H)
  local out = {}
  for i = 1, 8 do out[i] = char(band(rshift(H[i], 24), 255), band(rshift(H[i], 16), 255), band(rshift(H[i], 8), 255), band(H[i], 255)) end
  return table.concat(out)
end
function hmac_signer(secret)
  local inner, outer = keyed(secret, 0x36), keyed(secret, 0x5c)
  return function(msg)
    local H = digest(outer, words(digest(inner, msg, 64)), 64)
    local out = {}
    for i = 1, 8 do out[i] = tohex(H[i], 8) end
    return table.concat(out)
  end
end
