-- wrk script: each thread stops after args[1] responses, so a run is bounded
-- by a request count (wrk's -d still bounds it in time).
local limit, seen

function init(args)
    limit = tonumber(args[1])
    seen = 0
end

function response()
    seen = seen + 1
    if seen >= limit then
        wrk.thread:stop()
    end
end
