/* Prints the values of the C ABI's constants the .NET binding mirrors, as the C compiler sees them
 * in bindings-c/include/secctx.h, one "name value" per line. LayoutTests.cs compares them with
 * the C# declarations in src/SecCtx/Native.cs, so a change of the header fails `make test`. */
#include <stdio.h>

#include "secctx.h"

int main(void) {
    printf("value:SECCTX_ERROR_CODE_INVALID_CONFIG %d\n", (int)SECCTX_ERROR_CODE_INVALID_CONFIG);
    printf("value:SECCTX_ERROR_CODE_INVALID_ARGUMENT %d\n", (int)SECCTX_ERROR_CODE_INVALID_ARGUMENT);
    return 0;
}
