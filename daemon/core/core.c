/* The core context; see core.h. */
#include "core.h"

#include "timeutil.h"

int64_t core_now(const struct core *c)
{
        return time_now();
}

int64_t core_goal_conf_every(const struct core *c)
{
        return c && c->config ? c->config->goal_follow_up : 0;
}
