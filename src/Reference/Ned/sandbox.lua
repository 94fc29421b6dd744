-- The model's Lua environment for Ned scripts (l4conf's own code, run before ned.lua).
-- It makes a run deterministic and keeps a script inside the boot modules:
--  * pairs/next iterate in a fixed order (numbers, then strings, then other keys in order of first sight),
--    because Lua's table order depends on a hash seed taken from time and addresses;
--  * tostring/print/string.format show objects at model addresses assigned in order of first use;
--  * io, require, dofile and loadfile read only boot modules (rom/...), never host files; load takes text only;
--  * debug.sethook is refused: the instruction limit uses the hook.
local native = ...
local rawnext, rawget, rawequal, type, select, error, setmetatable, getmetatable =
  next, rawget, rawequal, type, select, error, setmetatable, getmetatable
local tsort, tconcat, tunpack, pack = table.sort, table.concat, table.unpack, table.pack
local sformat, sgsub, sfind, ssub, srep = string.format, string.gsub, string.find, string.sub, string.rep
local rawload, rawtostring = load, tostring

-- deterministic iteration -------------------------------------------------------------------------------
local seen_id = setmetatable({}, { __mode = "k" })
local next_id = 0
local function id_of(v)
  local i = seen_id[v]
  if not i then next_id = next_id + 1; i = next_id; seen_id[v] = i end
  return i
end
local type_rank = { number = 1, string = 2, boolean = 3 }
local function before(a, b)
  local ta, tb = type(a), type(b)
  local ra, rb = type_rank[ta] or 4, type_rank[tb] or 4
  if ra ~= rb then return ra < rb end
  if ra == 1 or ra == 2 then return a < b end
  if ra == 3 then return (not a) and b end
  return id_of(a) < id_of(b)
end
local function keys_of(t)
  local ks, n, k = {}, 0, rawnext(t)
  while k ~= nil do n = n + 1; ks[n] = k; k = rawnext(t, k) end
  tsort(ks, before)
  return ks
end
-- a snapshot per table and traversal; keys cleared during the traversal are skipped, as in Lua
local snaps = setmetatable({}, { __mode = "k" })
local function det_next(t, k)
  if type(t) ~= "table" then error("bad argument #1 to 'next' (table expected, got " .. (t == nil and "no value" or type(t)) .. ")", 2) end
  local s = snaps[t]
  local i
  if k == nil then
    s = { keys = keys_of(t), pos = {} }
    for j, key in ipairs(s.keys) do s.pos[key] = j end
    snaps[t] = s
    i = 0
  else
    if not s or not s.pos[k] then
      s = { keys = keys_of(t), pos = {} }
      for j, key in ipairs(s.keys) do s.pos[key] = j end
      snaps[t] = s
      if not s.pos[k] then error("invalid key to 'next'", 2) end
    end
    i = s.pos[k]
  end
  local ks = s.keys
  repeat
    i = i + 1
    local key = ks[i]
    if key == nil then return nil end
    local v = rawget(t, key)
    if v ~= nil then return key, v end
  until false
end
next = det_next
function pairs(t)
  local mt = getmetatable(t)
  local mp = type(mt) == "table" and rawget(mt, "__pairs") or nil
  if mp then local a, b, c = mp(t); return a, b, c end
  if type(t) ~= "table" then error("bad argument #1 to 'for iterator' (table expected, got " .. type(t) .. ")", 2) end
  return det_next, t, nil
end
native.set_next(det_next)

-- model addresses for objects ---------------------------------------------------------------------------
local addr_of = setmetatable({}, { __mode = "k" })
local next_addr = 0x20000
local function addr(v)
  local a = addr_of[v]
  if not a then next_addr = next_addr + 0x40; a = next_addr; addr_of[v] = a end
  return a
end
local pointer_types = { table = true, ["function"] = true, userdata = true, thread = true }
local function det_tostring(v)
  local mt = getmetatable(v)
  if type(mt) == "table" then
    local ts = rawget(mt, "__tostring")
    if ts ~= nil then
      local s = ts(v)
      if type(s) ~= "string" then error("'__tostring' must return a string", 2) end
      return s
    end
  end
  local tv = type(v)
  if pointer_types[tv] then
    local name = type(mt) == "table" and rawget(mt, "__name") or nil
    if type(name) ~= "string" then name = tv end
    return sformat("%s: 0x%x", name, addr(v))
  end
  return rawtostring(v)
end
tostring = det_tostring
native.set_tostring(det_tostring)

function print(...)
  local n = select("#", ...)
  local parts = {}
  for i = 1, n do parts[i] = det_tostring((select(i, ...))) end
  native.write(tconcat(parts, "\t") .. "\n")
end

-- string.format: %s of a non-string uses the model's tostring, %p the model's address
local function fmt(f, ...)
  if type(f) ~= "string" and type(f) ~= "number" then return sformat(f, ...) end
  f = rawtostring(f)
  local args = pack(...)
  local out, argn, i, n = {}, 0, 1, #f
  while i <= n do
    local c = ssub(f, i, i)
    if c ~= "%" then
      local j = sfind(f, "%", i, true) or n + 1
      out[#out + 1] = ssub(f, i, j - 1)
      i = j
    elseif ssub(f, i + 1, i + 1) == "%" then
      out[#out + 1] = "%%"; i = i + 2
    else
      local s, e, spec, conv = sfind(f, "^(%%[-+ #0]*%d*%.?%d*)(%a)", i)
      if not s then return sformat(f, ...) end            -- let Lua report the bad format
      argn = argn + 1
      local a = args[argn]
      if conv == "s" and argn <= args.n and type(a) ~= "string" and type(a) ~= "number" then
        args[argn] = det_tostring(a)
      elseif conv == "p" then
        spec = sgsub(spec, "%.%d*", ""); conv = "s"
        args[argn] = pointer_types[type(a)] and sformat("0x%x", addr(a)) or "(null)"
      end
      out[#out + 1] = spec .. conv
      i = e + 1
    end
  end
  return sformat(tconcat(out), tunpack(args, 1, args.n))
end
string.format = fmt

-- loading code: text only, files only from the boot modules -----------------------------------------------
function load(chunk, name, mode, env)
  if env ~= nil or select("#", chunk, name, mode, env) >= 4 then
    return rawload(chunk, name, "t", env)
  end
  return rawload(chunk, name, "t")
end
local function rom_text(path)
  local text, err = native.read_file(path)
  if not text then return nil, sformat("cannot open %s: %s", path, err) end
  return text
end
function loadfile(path, mode, env)
  if path == nil then return nil, "cannot read stdin: the model has no standard input for loadfile" end
  local text, err = rom_text(path)
  if not text then return nil, err end
  if env ~= nil then return rawload(text, "@" .. path, "t", env) end
  return rawload(text, "@" .. path, "t")
end
function dofile(path)
  local f, err = loadfile(path)
  if not f then error(err, 2) end
  return f()
end

package.path = "rom/?.lua"
package.cpath = ""
package.loadlib = nil
function package.searchpath(name, path, sep, rep)
  sep = sep or "."; rep = rep or "/"
  if sep ~= "" then name = sgsub(name, "%" .. sep, rep) end
  local tried = {}
  for templ in string.gmatch(path, "[^;]+") do
    local fname = sgsub(templ, "%?", name)
    if native.read_file(fname) then return fname end
    tried[#tried + 1] = "\n\tno file '" .. fname .. "'"
  end
  return nil, tconcat(tried)
end
local function rom_searcher(name)
  local fname, err = package.searchpath(name, package.path)
  if not fname then return err end
  local f, lerr = loadfile(fname)
  if not f then error(sformat("error loading module '%s' from file '%s':\n\t%s", name, fname, lerr), 3) end
  return f, fname
end
package.searchers = { package.searchers[1], rom_searcher }

-- io: boot modules read-only; output goes where print goes ---------------------------------------------------
local File = {}
File.__index = File
File.__name = "FILE*"
local function reader(self, fmt_)
  fmt_ = fmt_ or "l"
  if type(fmt_) == "string" then fmt_ = sgsub(fmt_, "^%*", "") end
  local data, pos = self.data, self.pos
  if fmt_ == "a" then self.pos = #data + 1; return ssub(data, pos) end
  if pos > #data then return nil end
  if fmt_ == "l" or fmt_ == "L" then
    local e = sfind(data, "\n", pos, true)
    local line = ssub(data, pos, e and (fmt_ == "L" and e or e - 1) or #data)
    self.pos = e and e + 1 or #data + 1
    return line
  end
  if fmt_ == "n" then
    local s, e = sfind(data, "^%s*[-+]?%d+%.?%d*", pos)
    if not s then return nil end
    self.pos = e + 1
    return tonumber(ssub(data, s, e))
  end
  if type(fmt_) == "number" then
    local chunk = ssub(data, pos, pos + fmt_ - 1)
    self.pos = pos + #chunk
    return chunk
  end
  error("bad argument #1 to 'read' (invalid format)", 2)
end
function File:read(...)
  if self.closed then error("attempt to use a closed file", 2) end
  if self.out then return nil, "Bad file descriptor", 9 end
  local n = select("#", ...)
  if n == 0 then return reader(self) end
  local r = {}
  for i = 1, n do r[i] = reader(self, (select(i, ...))) end
  return tunpack(r, 1, n)
end
function File:lines(...)
  local fmts = pack(...)
  return function() return self:read(tunpack(fmts, 1, fmts.n)) end
end
function File:write(...)
  if self.closed then error("attempt to use a closed file", 2) end
  if not self.out then return nil, "Bad file descriptor", 9 end
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    if type(v) ~= "string" and type(v) ~= "number" then
      error(sformat("bad argument #%d to 'write' (string expected, got %s)", i, type(v)), 2)
    end
    native.write(rawtostring(v))
  end
  return self
end
function File:close() if self.out then return nil, "cannot close standard file" end self.closed = true; return true end
function File:flush() return self end
function File:seek(whence, offset)
  if self.out then return nil, "Illegal seek", 29 end
  whence = whence or "cur"; offset = offset or 0
  local base = whence == "set" and 0 or whence == "end" and #self.data or self.pos - 1
  self.pos = base + offset + 1
  return base + offset
end
function File:setvbuf() return true end
File.__tostring = function(self) return self.closed and "file (closed)" or sformat("file (0x%x)", addr(self)) end

local stdout = setmetatable({ out = true }, File)
local stderr = setmetatable({ out = true }, File)
local stdin = setmetatable({ data = "", pos = 1, stdin = true }, File)
function stdin:read(...)
  local line = native.read_line()
  if line == nil then return nil end
  return line
end

io = {
  stdout = stdout, stderr = stderr, stdin = stdin,
  write = function(...) return stdout:write(...) end,
  read = function(...) return stdin:read(...) end,
  open = function(path, mode)
    if type(path) ~= "string" then error("bad argument #1 to 'open' (string expected, got " .. type(path) .. ")", 2) end
    mode = mode or "r"
    if not sfind(mode, "^[rwa]%+?b?$") then error("bad argument #2 to 'open' (invalid mode)", 2) end
    if ssub(mode, 1, 1) ~= "r" or sfind(mode, "+", 1, true) then return nil, path .. ": Read-only file system", 30 end
    local text, err = native.read_file(path)
    if not text then return nil, path .. ": " .. err, 2 end
    return setmetatable({ data = text, pos = 1 }, File)
  end,
  lines = function(path, ...)
    if path == nil then return stdin:lines(...) end
    local f, err = io.open(path)
    if not f then error(err, 2) end
    return f:lines(...)
  end,
  close = function(f) if f then return f:close() end return stdout:close() end,
  type = function(f) if getmetatable(f) ~= File then return nil end return f.closed and "closed file" or "file" end,
  input = function() return stdin end,
  output = function() return stdout end,
  popen = function() error("'popen' not supported", 2) end,
  tmpfile = function() return nil, "tmpfile: Read-only file system", 30 end,
}
package.loaded.io = io

-- the instruction limit: a Lua hook, so that its error is raised by Lua (LuaFn); once stopped, every instruction raises
do
  local sethook, tick, stopping = debug.sethook, native.tick, false
  local function limit()
    local why = tick()
    if why then
      if not stopping then stopping = true; sethook(limit, "", 1) end
      error(why, 0)
    end
  end
  sethook(limit, "", native.hook_every)
end
debug.sethook = function() error("debug.sethook is not available: the model's instruction limit uses the hook", 2) end

-- Lua 5.5's wording of errors where the model's Lua 5.4 words them differently (LuaHost.Dialect); scripts print
-- what pcall returns, so the rewrite happens there.
local dialect = native.dialect
local rawpcall, rawxpcall = pcall, xpcall
local function fix(ok, ...)
  if ok then return ok, ... end
  return ok, dialect((...))
end
function pcall(f, ...) return fix(rawpcall(f, ...)) end
function xpcall(f, h, ...)
  return rawxpcall(f, function(e) return h(dialect(e)) end, ...)
end
