/* The benchmark's N-API floor: add(int, int) and safe_operation(Float64Array, len), the two calls
 * of bench group 01, written directly against Node-API with no checks beyond what Node-API needs.
 */
#include <math.h>
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#include "ffikit_ref.h" /* ErrorCode only: the addon does not link the reference library. */

/* The reference library's safe_operation body (cpp/src/arrays.cpp), so both sides do the same work:
 * validate every element, then write sqrt in place. */
static ErrorCode safe_operation_kernel(double *arr, size_t len) {
  if (arr == NULL) return ERR_NULL_POINTER;
  if (len == 0) return ERR_INVALID_SIZE;
  for (size_t i = 0; i < len; ++i) {
    if (isnan(arr[i]) || arr[i] < 0.0) return ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < len; ++i) arr[i] = sqrt(arr[i]);
  return SUCCESS;
}

static napi_value js_add(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t a = 0;
  int32_t b = 0;
  napi_value result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &a) != napi_ok ||
      napi_get_value_int32(env, argv[1], &b) != napi_ok) {
    napi_throw_type_error(env, NULL, "add(): expected two numbers");
    return NULL;
  }
  napi_create_int32(env, (int32_t)((uint32_t)a + (uint32_t)b), &result);
  return result;
}

static napi_value js_safe_operation(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  int64_t len = 0;
  napi_value result;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 ||
      napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "safe_operation(): expected a Float64Array");
    return NULL;
  }
  if (napi_get_value_int64(env, argv[1], &len) != napi_ok || len < 0 || (uint64_t)len > length) {
    napi_throw_range_error(env, NULL, "safe_operation(): expected a length within the array");
    return NULL;
  }
  napi_create_int32(env, safe_operation_kernel((double *)data, (size_t)len), &result);
  return result;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_property_descriptor props[] = {
      {"add", NULL, js_add, NULL, NULL, NULL, napi_enumerable, NULL},
      {"safe_operation", NULL, js_safe_operation, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return NULL;
  return exports;
}
