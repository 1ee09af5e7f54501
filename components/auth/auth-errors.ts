import { ApiRequestError, errorMessage } from "@/lib/client/api-client";

const BY_CODE: Record<string, string> = {
  INVALID_EMAIL_OR_PASSWORD: "That email and password don't match an account.",
  INVALID_EMAIL: "Enter a valid email address.",
  INVALID_PASSWORD: "That email and password don't match an account.",
  USER_ALREADY_EXISTS: "An account with this email already exists. Sign in instead.",
  USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL: "An account with this email already exists. Sign in instead.",
  PASSWORD_TOO_SHORT: "Use at least 8 characters for your password.",
  PASSWORD_TOO_LONG: "Use at most 128 characters for your password.",
  BANNED_USER: "This account has been suspended.",
};

/** better-auth's codes, in the words we use elsewhere. */
export function authErrorMessage(error: unknown): string {
  if (error instanceof ApiRequestError && BY_CODE[error.code]) return BY_CODE[error.code]!;
  return errorMessage(error);
}
