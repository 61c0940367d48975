-- wrk script: alternating POST attach / DELETE detach of sandboxes to network "bench-target".
-- Each wrk thread owns a disjoint set of sandboxes and uses one connection (-c == -t), so
-- every detach follows its own attach: all answers should be 200.
-- args: API key, number of sandboxes, number of threads[, first thread, all threads]: several
-- wrk processes (one per API replica) share the sandboxes when each passes the index of its
-- first thread and the threads of all of them together.
local thread_count = 0
function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  key = args[1]
  sandboxes = tonumber(args[2])
  threads = tonumber(args[3])
  first = tonumber(args[4] or "0")
  all_threads = tonumber(args[5] or args[3])
  n = 0
  body = '{"id":"bench-target"}'
end

-- wrk calls request() once on thread 0's state to verify the script and discards the
-- result; that call must not advance thread 0's attach/detach sequence.
local verified = false

function request()
  if tid == 0 and not verified then
    verified = true
    return wrk.format("GET", "/healthz")
  end
  local i = math.floor(n / 2)
  local per_thread = math.floor(sandboxes / all_threads)
  local sb = "s" .. (first + tid + all_threads * (i % per_thread))
  local attach = (n % 2 == 0)
  n = n + 1
  if attach then
    return wrk.format("POST", "/v1/sandboxes/" .. sb .. "/networks",
                      {["X-Api-Key"] = key, ["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("DELETE", "/v1/sandboxes/" .. sb .. "/networks/bench-target",
                    {["X-Api-Key"] = key})
end
