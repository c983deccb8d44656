#ifndef CLIBPQ_SHIM_H
#define CLIBPQ_SHIM_H
// pkg-config libpq supplies the include directory (/usr/include/postgresql on Debian).
#include <libpq-fe.h>
#endif
