/*
 * clp.h - COIN-OR CLP loaded at the first plan (dlopen), not linked.
 *
 * Why: libClp pulls in libCoinUtils → LAPACK → libgfortran → libquadmath,
 * and libquadmath's constructor registers printf handlers for __float128.
 * Once any handler is registered, glibc sends every printf-family call of
 * the process down its slow positional path: measured, the grid worker's
 * list of 500 entries went from 5 to 7 ms of CPU, and every request's log
 * line pays too. Loaded on demand, CLP costs only processes that plan
 * (the CLI, and a server after its first plan: see docs/decisions.md §34).
 *
 * model.c includes this after Clp_C_Interface.h: the macros send its calls
 * through the table. supply_clp() is NULL when the library cannot be
 * loaded (the planner then answers an error instead of crashing).
 */
#ifndef CREST_SUPPLY_CLP_H
#define CREST_SUPPLY_CLP_H

#include <coin/Clp_C_Interface.h>

struct supply_clp_api {
    Clp_Simplex *(*newModel)(void);
    void (*deleteModel)(Clp_Simplex *);
    void (*loadProblem)(Clp_Simplex *, const int, const int, const CoinBigIndex *, const int *,
                        const double *, const double *, const double *, const double *,
                        const double *, const double *);
    int (*numberIterations)(Clp_Simplex *);
    int (*status)(Clp_Simplex *);
    double *(*primalColumnSolution)(Clp_Simplex *);
    double *(*objective)(Clp_Simplex *);
    double *(*columnLower)(Clp_Simplex *);
    double (*objectiveValue)(Clp_Simplex *);
    void (*setLogLevel)(Clp_Simplex *, int);
    int (*initialDualSolve)(Clp_Simplex *);
    int (*primal)(Clp_Simplex *, int);
    void (*addColumns)(Clp_Simplex *, int, const double *, const double *, const double *,
                       const CoinBigIndex *, const int *, const double *);
    double *(*dualRowSolution)(Clp_Simplex *);
};

/* The loaded library's functions, or NULL (thread-safe, loads once). */
const struct supply_clp_api *supply_clp(void);

#define Clp_newModel (supply_clp()->newModel)
#define Clp_deleteModel (supply_clp()->deleteModel)
#define Clp_loadProblem (supply_clp()->loadProblem)
#define Clp_numberIterations (supply_clp()->numberIterations)
#define Clp_status (supply_clp()->status)
#define Clp_primalColumnSolution (supply_clp()->primalColumnSolution)
#define Clp_objective (supply_clp()->objective)
#define Clp_columnLower (supply_clp()->columnLower)
#define Clp_objectiveValue (supply_clp()->objectiveValue)
#define Clp_setLogLevel (supply_clp()->setLogLevel)
#define Clp_initialDualSolve (supply_clp()->initialDualSolve)
#define Clp_primal (supply_clp()->primal)
#define Clp_addColumns (supply_clp()->addColumns)
#define Clp_dualRowSolution (supply_clp()->dualRowSolution)

#endif
