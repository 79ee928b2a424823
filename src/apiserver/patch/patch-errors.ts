import { StatusError, badRequest } from "../../apimachinery/status-error.ts";

// Mirrors errors.NewGenericServerResponse(422, ...) in k8s.io/apiserver/pkg/endpoints/handlers/patch.go:
// the library's own message is dropped and only this fixed text reaches the client.
export function unprocessable(): StatusError {
  return new StatusError(
    422,
    "Invalid",
    "the server rejected our request due to an error in our request",
    {},
  );
}

// A plain Go error returned from a patch library reaches the client through ErrorToAPIStatus:
// code 500 with an empty reason and the error text as the message.
export function unknownError(message: string): StatusError {
  return new StatusError(500, "", message);
}

// k8s.io/apimachinery/pkg/util/mergepatch/errors.go
export const ErrBadJSONDoc = "invalid JSON document";
export const ErrNoListOfLists = "lists of lists are not supported";
export const ErrBadPatchFormatForPrimitiveList = "invalid patch format of primitive list";
export const ErrBadPatchFormatForRetainKeys = "invalid patch format of retainKeys";
export const ErrBadPatchFormatForSetElementOrderList = "invalid patch type of setElementOrder list";
export const ErrPatchContentNotMatchRetainKeys = "patch content doesn't match retainKeys list";

const badRequestErrors = new Set([
  ErrBadJSONDoc,
  ErrBadPatchFormatForPrimitiveList,
  ErrBadPatchFormatForRetainKeys,
  ErrBadPatchFormatForSetElementOrderList,
]);
const unprocessableErrors = new Set([ErrNoListOfLists, ErrPatchContentNotMatchRetainKeys]);

/** The HTTP error for a strategic merge patch library error, as interpretStrategicMergePatchError in patch.go. */
export function smpError(message: string): StatusError {
  if (badRequestErrors.has(message)) return badRequest(message);
  if (unprocessableErrors.has(message)) return unprocessable();
  return unknownError(message);
}
