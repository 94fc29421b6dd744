-- ned.lua of the l4conf reference model: the Lua part of Ned's `L4` package.
-- l4conf's own implementation of the API real Ned offers (kernkonzept/l4re-core ned/server/src/ned.lua):
-- the same names, tables and behaviour. Statements that error messages of real Ned name are on the
-- same lines as there, so messages read alike ("ned.lua:245: ..."); the blank lines keep them there.
local require, ipairs, pairs, setmetatable, getmetatable, error, type, tonumber, tostring =
      require, ipairs, pairs, setmetatable, getmetatable, error, type, tonumber, tostring
local _ENV = require "L4"
local string = require "string"
local table = require "table"

Env.user_factory = Env.mem_alloc

-- protocol numbers as ned.lua has them (Mem_alloc is the old 0x4004)
Proto = {
  Dataspace = 0x4000, Namespace = 0x4001, Goos = 0x4003, Mem_alloc = 0x4004, Rm = 0x4005,
  Event = 0x4006, Inhibitor = 0x4007, Sigma0 = -6, Log = -13, Scheduler = -14, Factory = -15,
  Vm = -16, Dma_space = -17, Irq_sender = -18, Semaphore = -20, Iommu = -22, Ipc_gate = 0,
}

Rights = { s = 2, w = 1, r = 4, d = 8, n = 16, c = 32, ro = 4, rw = 5, rws = 7 }

Ldr_flags = { eager_map = 0x1, all_segs_cow = 0x2, pinned_segs = 0x4 }

Mem_alloc_flags = { Continuous = 1, Pinned = 2, Super_pages = 4 }

Dbg = {
  Info = 1, Warn = 2, Boot = 4, Server = 0x10, Exceptions = 0x20, Cmd_line = 0x40,
  Loader = 0x80, Name_space = 0x400, All = 0xffffffff,
}

























































Loader = {}
Loader.__index = Loader

Class = {}

-- a method called on something that is not an object of the class
function Class.check(obj, class)
  if not obj or getmetatable(obj) ~= class then
    error("method called with incompatible object", 3)
  end
end

function Loader.new(proto)
  local f = proto or {}
  local lfab = f.loader or f.mem
  f.log_fab = f.log_fab or lfab
  f.ns_fab = f.ns_fab or lfab
  f.rm_fab = f.rm_fab or lfab
  f.sched_fab = f.sched_fab or lfab
  f.factory = f.factory or Env.factory
  return setmetatable(f, Loader)
end

-- "L4Re::Namespace" -> "N4L4Re9NamespaceE"
function mangle_class(n)
  local r = "N"
  for part in string.gmatch(n, "[^:%s]+") do
    r = r .. #part .. part
  end
  return r .. "E"
end

function cast(to, cap)
  if type(to) == "number" then
    return __cast(to, cap)
  elseif type(to) == "string" then



    return __cast(mangle_class(to), cap)
  end
  return nil
end

function get_cap_class(id)
  if type(id) == "number" then
    return _CAP_TYPES[id]
  elseif type(id) == "string" then
    return _CAP_TYPES[mangle_class(id)]
  end
  return nil
end



local ns_class = get_cap_class("L4Re::Namespace")
if ns_class then
  function ns_class.register(self, key, value, fab)
    if type(value) == "string" then
      local res = Env                      -- a path, walked from L4.Env
      for part in string.gmatch(value, "[^/]+") do
        if type(res) == "table" then
          res = res[part]
        elseif res then                    -- any other value is asked as a name space
          res = res:query(part)()
        else
          break
        end
      end
      if res == nil then
        error("Could not resolve: '" .. value .. "'", 5)
      end
      value = res
    end
    -- a function gives the value
    if type(value) == "function" then
      value = value(self, key)
    end
    -- a table becomes a name space made by fab (none: skipped); anything else is registered as it is
    if value ~= nil and type(value) ~= "table" then
      self:__register(key, value)
    elseif value ~= nil and fab then
      self:__register(key, fab(value))
    end
  end
  ns_class.r = ns_class.register
else
  error("Could not find type information for L4Re::Namespace")
end
-- Only the class keeps the methods: no global Namespace comes of it (App_env:set_ns finds none).
ns_class = nil


function Loader:fill_namespace(ns, tmpl, fab)
  local cns = function(v) return self:create_namespace(v, fab) end
  for k, v in pairs(tmpl) do
    ns:r(k, v, cns)
  end
end



function Loader:create_namespace(n, fab)
  Class.check(self, Loader)
  if type(n) ~= "table" then
    return n
  end




  -- nested tables are made by the factory resolved here
  local ns_fab = fab or self.ns_fab
  local ns = ns_fab:create(Proto.Namespace)
  self:fill_namespace(ns, n, ns_fab)
  return ns
end



App_env = {}
App_env.__index = App_env

function App_env.new(proto)
  local f = proto or {}

  f.loader = f.loader or default_loader
  f.rm_fab = f.rm_fab or f.loader.rm_fab
  f.factory = f.factory or f.loader.factory or Env.factory
  f.dbg_events = f.dbg_events or f.loader.dbg_events or Env.dbg_events
  -- no scheduler default: the loader's sched_fab serves

  f.mem = f.mem or f.loader.mem
  -- log = {tag, color, ...} or a function returning the log cap
  if type(f.log) == "table" then
    f.log_args = f.log
    f.log = nil
  elseif type(f.log) == "function" then
    f.log = f.log()
    f.log_args = {}
  else
    f.log_args = {}
  end

  setmetatable(f, App_env)

  if type(f.ns) == "table" then
    f.ns = f.loader:create_namespace(f.ns, f.ns_fab)
  end

  return f
end

function App_env:log()
  Class.check(self, App_env)
  if self.loader.log_fab == nil or self.loader.log_fab.create == nil then
    error("Starting an application without valid log factory", 4)
  end
  return self.loader.log_fab:create(Proto.Log, table.unpack(self.log_args))
end

function App_env:start(...)
  Class.check(self, App_env)
  local function basename(a)

    return (string.gsub(a, ".*/", ""))
  end
  local old = self.log_args[1]
  self.log_args[1] = self.log_args[1] or basename(...)
  local res = exec(self, ...)
  self.log_args[1] = old
  return res
end

function App_env:set_ns(tmpl)
  Class.check(self, App_env)
  self.ns = Namespace.new(tmpl, self.ns_fab)
end

function App_env:set_loader_fab(fab)
  Class.check(self, App_env)
  self.log_fab = fab
  self.ns_fab = fab
  self.rm_fab = fab
end

function App_env:set_mem_alloc(mem)
  Class.check(self, App_env)
  self.mem = mem
end

function Loader:startv(env, ...)
  Class.check(self, Loader)

  local caps = env.caps or {}
  -- plain tables become name spaces; a caps value that is no table is passed as it is, without defaults
  if type(caps) == "table" then
    for k, v in pairs(caps) do
      if type(v) == "table" and getmetatable(v) == nil then
        caps[k] = self:create_namespace(v)
      end
    end

    local defaults = self.default_caps or { rom = Env.rom:m("r") }

    for k, v in pairs(defaults) do
      caps[k] = caps[k] or v
    end
  end

  env.loader = self
  env.caps = caps
  env.l4re_dbg = env.l4re_dbg or Dbg.Warn
  local e = App_env.new(env)
  return e:start(...)
end

-- an IPC gate for a client-server connection
function Loader:new_channel()
  return self.factory:create(Proto.Ipc_gate)
end

function Loader:create_sched_proxy(props)
  Class.check(self, Loader)
  -- props is required (nil: an index error, as in real Ned)
  local sched_fab = props.fab or self.sched_fab
  local cpus = props.cpus or Cpu_set:new()

  local prio_offset = props.prio_offset or 0
  local prio_limit = props.prio_limit or prio_offset + 10
  return sched_fab:create(Proto.Scheduler, prio_limit,
                          prio_offset, cpus:factory_args())
end

function Loader.split_args(cmd, posix_env)
  local a = {}
  local i = 1
  for w in string.gmatch(cmd, "[^%s]+") do
    a[i] = w
    i = i + 1
  end
  a[i] = posix_env
  return table.unpack(a)
end

function Loader:start(env, cmd, posix_env)
  Class.check(self, Loader)
  return self:startv(env, self.split_args(cmd, posix_env))
end

function Loader:start_backtracer(opts)
  local o = opts or {}
  local prog = o.prog or "rom/backtracer"
  local bt = self:new_channel()
  local log = self.log_fab:create(Proto.Log, "backtracer", "n", "show")
  local sched = Env.user_factory:create(Proto.Scheduler, 0xff, 0xfc)
  self:startv({ caps = { backtracer = bt:svr() }, log = log, scheduler = sched }, prog, table.unpack(o.args or {}))
  -- only now: the backtracer itself must not have itself as its backtracer
  self.dbg_events = bt
end

default_loader = Loader.new({ factory = Env.factory, mem = Env.mem_alloc, dbg_events = Env.dbg_events })







Cpu_set = {}
Cpu_set.__index = Cpu_set

function Cpu_set:__tostring()
  if self.all then
    return "{ all }"
  end
  local r, max = {}, -1
  for k in pairs(self.set) do
    if k > max then max = k end
  end
  for c = 0, max do
    if self.set[c] then r[#r + 1] = tostring(c) end
  end
  return "{" .. table.concat(r, ", ") .. "}"
end








function Cpu_set:new(cpus)
  local s = setmetatable({ set = {} }, Cpu_set)
  if cpus == nil then
    s.all = true
  elseif type(cpus) == "table" then
    for _, n in ipairs(cpus) do
      s:add(n, 1)
    end
  else
    s:add(cpus, 1)
  end
  return s
end






function Cpu_set:add(cpu, lvl)
  lvl = lvl or 0
  if self.all then return self end
  arg_type = type(cpu)
  if arg_type == "number" then
    self.set[cpu] = true
  elseif arg_type == "string" then
    sfrom, sto = string.match(cpu, "(%d+)-(%d+)")   -- not anchored: "x1-3" is 1..3
    from, to = tonumber(sfrom), tonumber(sto)
    if from and to and from <= to then
      for c = from, to do self.set[c] = true end
    else
      error('Invalid CPU range "' .. cpu .. '"', lvl + 2)
    end
  else
    error("Invalid argument type: " .. arg_type, lvl + 2)
  end
  return self
end







function Cpu_set.__bor(a, b)
  local r = Cpu_set:new({})
  if a.all or b.all then
    r.all = true
    return r
  end
  for c in pairs(a.set) do r.set[c] = true end
  for c in pairs(b.set) do r.set[c] = true end
  return r
end

function Cpu_set.__band(a, b)
  -- always a new set: changing the result never changes an operand
  local r = Cpu_set:new({})
  if a.all and b.all then
    r.all = true
  elseif a.all or b.all then
    for c in pairs((a.all and b or a).set) do r.set[c] = true end
  else
    for c in pairs(a.set) do
      if b.set[c] then r.set[c] = true end
    end
  end
  return r
end

-- the scheduler factory's CPU arguments: one mask word per mword_bits CPUs, none for all CPUs
function Cpu_set:factory_args()
  if self.all then return end
  local bits = Info.mword_bits()
  local max = -1
  for c in pairs(self.set) do
    if c > max then max = c end
  end
  local words = {}
  for w = 0, max // bits do
    local v = 0
    for b = 0, bits - 1 do
      if self.set[w * bits + b] then v = v | (1 << b) end
    end
    words[#words + 1] = v
  end
  return table.unpack(words)
end

return _ENV
