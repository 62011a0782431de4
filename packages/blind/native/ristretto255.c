/*
 * kruispunt_ristretto255: a thin Node-API (C) binding over the system libsodium's
 * ristretto255 functions (RFC 9496), with batch entry points so that one JavaScript call
 * handles a whole batch of identifiers. libsodium does all the group arithmetic; this file
 * only loops, checks lengths and reports the index of the first failing element.
 *
 * Every function takes its output buffer first (allocated by the caller) and flat inputs:
 * n elements or scalars of 32 bytes back to back, n ciphertexts of 64 bytes (c1 ‖ c2).
 * Return value: -1 if every element succeeded, else the index of the first failure
 * (for ciphertext inputs, the index of the failing 32-byte part: 2·i for c1, 2·i + 1
 * for c2). A length mismatch throws a TypeError (a programming error, never data).
 */
#include <node_api.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define NE 32 /* element and scalar bytes */

static bool bytes_arg(napi_env env, napi_value value, uint8_t **data, size_t *len) {
  bool is_typedarray = false;
  if (napi_is_typedarray(env, value, &is_typedarray) != napi_ok || !is_typedarray) return false;
  napi_typedarray_type type;
  void *raw;
  napi_value buffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, len, &raw, &buffer, &offset) != napi_ok) {
    return false;
  }
  if (type != napi_uint8_array) return false;
  *data = (uint8_t *)raw;
  return true;
}

/* Reads `count` Uint8Array arguments; throws and returns false on a wrong shape. */
static bool args(napi_env env, napi_callback_info info, size_t count, uint8_t **data,
                 size_t *len) {
  napi_value argv[4];
  size_t argc = 4;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != count) {
    napi_throw_type_error(env, NULL, "kruispunt_ristretto255: wrong argument count");
    return false;
  }
  for (size_t i = 0; i < count; i++) {
    if (!bytes_arg(env, argv[i], &data[i], &len[i])) {
      napi_throw_type_error(env, NULL, "kruispunt_ristretto255: arguments must be Uint8Array");
      return false;
    }
  }
  return true;
}

static napi_value int_result(napi_env env, int64_t value) {
  napi_value out;
  napi_create_int64(env, value, &out);
  return out;
}

static napi_value shape_error(napi_env env) {
  napi_throw_type_error(env, NULL, "kruispunt_ristretto255: buffer lengths do not match");
  return NULL;
}

/* fromHash(out 32n, uniform 64n): crypto_core_ristretto255_from_hash per element. */
static napi_value from_hash(napi_env env, napi_callback_info info) {
  uint8_t *d[2];
  size_t l[2];
  if (!args(env, info, 2, d, l)) return NULL;
  if (l[0] % NE != 0 || l[1] != 2 * l[0]) return shape_error(env);
  for (size_t i = 0; i < l[0] / NE; i++) {
    crypto_core_ristretto255_from_hash(d[0] + NE * i, d[1] + 2 * NE * i);
  }
  return int_result(env, -1);
}

/* scalarReduce(out 32n, wide 64n): reduces mod L; fails at the first zero scalar. */
static napi_value scalar_reduce(napi_env env, napi_callback_info info) {
  uint8_t *d[2];
  size_t l[2];
  if (!args(env, info, 2, d, l)) return NULL;
  if (l[0] % NE != 0 || l[1] != 2 * l[0]) return shape_error(env);
  int64_t failed = -1;
  for (size_t i = 0; i < l[0] / NE; i++) {
    crypto_core_ristretto255_scalar_reduce(d[0] + NE * i, d[1] + 2 * NE * i);
    if (failed < 0 && sodium_is_zero(d[0] + NE * i, NE)) failed = (int64_t)i;
  }
  return int_result(env, failed);
}

/* scalarInvert(out 32, scalar 32). */
static napi_value scalar_invert(napi_env env, napi_callback_info info) {
  uint8_t *d[2];
  size_t l[2];
  if (!args(env, info, 2, d, l)) return NULL;
  if (l[0] != NE || l[1] != NE) return shape_error(env);
  return int_result(env, crypto_core_ristretto255_scalar_invert(d[0], d[1]) == 0 ? -1 : 0);
}

/* isValidPoint(points 32n): index of the first invalid encoding, or -1. */
static napi_value is_valid_point(napi_env env, napi_callback_info info) {
  uint8_t *d[1];
  size_t l[1];
  if (!args(env, info, 1, d, l)) return NULL;
  if (l[0] % NE != 0) return shape_error(env);
  for (size_t i = 0; i < l[0] / NE; i++) {
    if (!crypto_core_ristretto255_is_valid_point(d[0] + NE * i)) return int_result(env, (int64_t)i);
  }
  return int_result(env, -1);
}

/* scalarMultBase(out 32n, scalars 32n): s·B with libsodium's fixed-base tables. */
static napi_value scalarmult_base(napi_env env, napi_callback_info info) {
  uint8_t *d[2];
  size_t l[2];
  if (!args(env, info, 2, d, l)) return NULL;
  if (l[0] % NE != 0 || l[1] != l[0]) return shape_error(env);
  for (size_t i = 0; i < l[0] / NE; i++) {
    if (crypto_scalarmult_ristretto255_base(d[0] + NE * i, d[1] + NE * i) != 0) {
      return int_result(env, (int64_t)i);
    }
  }
  return int_result(env, -1);
}

/* scalarMult(out 32n, scalar 32, points 32n): one scalar times each point. */
static napi_value scalarmult(napi_env env, napi_callback_info info) {
  uint8_t *d[3];
  size_t l[3];
  if (!args(env, info, 3, d, l)) return NULL;
  if (l[0] % NE != 0 || l[1] != NE || l[2] != l[0]) return shape_error(env);
  for (size_t i = 0; i < l[0] / NE; i++) {
    if (crypto_scalarmult_ristretto255(d[0] + NE * i, d[1], d[2] + NE * i) != 0) {
      return int_result(env, (int64_t)i);
    }
  }
  return int_result(env, -1);
}

/* encrypt(out 64n, pk 32, m 32n, r 32n): (r·B, M + r·PK) per identifier. */
static napi_value encrypt(napi_env env, napi_callback_info info) {
  uint8_t *d[4];
  size_t l[4];
  if (!args(env, info, 4, d, l)) return NULL;
  if (l[1] != NE || l[2] % NE != 0 || l[3] != l[2] || l[0] != 2 * l[2]) return shape_error(env);
  uint8_t shared[NE];
  for (size_t i = 0; i < l[2] / NE; i++) {
    uint8_t *c1 = d[0] + 2 * NE * i;
    uint8_t *r = d[3] + NE * i;
    if (crypto_scalarmult_ristretto255_base(c1, r) != 0 ||
        crypto_scalarmult_ristretto255(shared, r, d[1]) != 0 ||
        crypto_core_ristretto255_add(c1 + NE, d[2] + NE * i, shared) != 0) {
      sodium_memzero(shared, NE);
      return int_result(env, (int64_t)i);
    }
  }
  sodium_memzero(shared, NE);
  return int_result(env, -1);
}

/* reshuffle(out 64n, k 32, ct 64n): (k·c1, k·c2); fails at the first bad part. */
static napi_value reshuffle(napi_env env, napi_callback_info info) {
  uint8_t *d[3];
  size_t l[3];
  if (!args(env, info, 3, d, l)) return NULL;
  if (l[1] != NE || l[2] % (2 * NE) != 0 || l[0] != l[2]) return shape_error(env);
  for (size_t part = 0; part < l[2] / NE; part++) {
    if (crypto_scalarmult_ristretto255(d[0] + NE * part, d[1], d[2] + NE * part) != 0) {
      return int_result(env, (int64_t)part);
    }
  }
  return int_result(env, -1);
}

/* decrypt(out 32n, x 32, ct 64n): c2 − x·c1; fails at the first bad part. */
static napi_value decrypt(napi_env env, napi_callback_info info) {
  uint8_t *d[3];
  size_t l[3];
  if (!args(env, info, 3, d, l)) return NULL;
  if (l[1] != NE || l[2] % (2 * NE) != 0 || l[0] * 2 != l[2]) return shape_error(env);
  uint8_t shared[NE];
  int64_t failed = -1;
  for (size_t i = 0; i < l[0] / NE; i++) {
    const uint8_t *c1 = d[2] + 2 * NE * i;
    if (crypto_scalarmult_ristretto255(shared, d[1], c1) != 0) {
      failed = (int64_t)(2 * i);
      break;
    }
    if (crypto_core_ristretto255_sub(d[0] + NE * i, c1 + NE, shared) != 0) {
      failed = (int64_t)(2 * i + 1);
      break;
    }
  }
  sodium_memzero(shared, NE);
  return int_result(env, failed);
}

static napi_value init(napi_env env, napi_value exports) {
  if (sodium_init() < 0) {
    napi_throw_error(env, NULL, "kruispunt_ristretto255: sodium_init failed");
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"fromHash", NULL, from_hash, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scalarReduce", NULL, scalar_reduce, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scalarInvert", NULL, scalar_invert, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isValidPoint", NULL, is_valid_point, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scalarMultBase", NULL, scalarmult_base, NULL, NULL, NULL, napi_enumerable, NULL},
      {"scalarMult", NULL, scalarmult, NULL, NULL, NULL, napi_enumerable, NULL},
      {"encrypt", NULL, encrypt, NULL, NULL, NULL, napi_enumerable, NULL},
      {"reshuffle", NULL, reshuffle, NULL, NULL, NULL, napi_enumerable, NULL},
      {"decrypt", NULL, decrypt, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
