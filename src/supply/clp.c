/*
 * clp.c - load COIN-OR CLP on first use (see clp.h for why it is not
 * linked).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>

#include "../base/log.h"
#include "clp.h"

static struct supply_clp_api api;
static const struct supply_clp_api *loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
    void *h = dlopen("libClp.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        LOG_ERROR("msg=\"cannot load COIN-OR CLP\" detail=\"%s\"", dlerror());
        return;
    }
    /* dlsym returns void *; a function pointer is copied through memcpy-free
     * union punning, which POSIX guarantees for dlsym's results */
#define SYM(field, name)                                                                           \
    do {                                                                                           \
        void *p = dlsym(h, name);                                                                  \
        if (!p) {                                                                                  \
            LOG_ERROR("msg=\"COIN-OR CLP lacks a function\" name=%s", name);                       \
            return;                                                                                \
        }                                                                                          \
        *(void **)(&api.field) = p;                                                                \
    } while (0)
    SYM(newModel, "Clp_newModel");
    SYM(deleteModel, "Clp_deleteModel");
    SYM(loadProblem, "Clp_loadProblem");
    SYM(numberIterations, "Clp_numberIterations");
    SYM(status, "Clp_status");
    SYM(primalColumnSolution, "Clp_primalColumnSolution");
    SYM(objective, "Clp_objective");
    SYM(columnLower, "Clp_columnLower");
    SYM(objectiveValue, "Clp_objectiveValue");
    SYM(setLogLevel, "Clp_setLogLevel");
    SYM(initialDualSolve, "Clp_initialDualSolve");
    SYM(primal, "Clp_primal");
    SYM(addColumns, "Clp_addColumns");
    SYM(dualRowSolution, "Clp_dualRowSolution");
#undef SYM
    loaded = &api;
}

const struct supply_clp_api *supply_clp(void)
{
    pthread_once(&once, load);
    return loaded;
}
