// Linux interfaces Swift's Glibc module does not import: pidfd_open(2), a descriptor that
// becomes readable when a process (not necessarily a child) exits.
#ifdef __linux__
#include <sys/pidfd.h>
#endif
