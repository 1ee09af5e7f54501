/** The predefined users of the official `qstash dev` server (token = base64 of {UserID, Password}). */
export const DEV_USERS = [
  {
    token: "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=",
    current: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
    next: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs",
  },
  {
    token: "eyJVc2VySUQiOiJ0ZXN0VXNlcjEiLCJQYXNzd29yZCI6InRlc3RQYXNzd29yZCJ9",
    current: "sig_7GVPjvuwsfqF65iC8fSrs1dfYruM",
    next: "sig_5NoELc3EFnZn4DVS5bDs2Nk4b7Ua",
  },
  {
    token: "eyJVc2VySUQiOiJ0ZXN0VXNlcjIiLCJQYXNzd29yZCI6InRlc3RQYXNzd29yZCJ9",
    current: "sig_6jWGaWRxHsw4vMSPJprXadyvrybF",
    next: "sig_7qHbvhmahe5GwfePDiS5Lg3pi6Qx",
  },
  {
    token: "eyJVc2VySUQiOiJ0ZXN0VXNlcjMiLCJQYXNzd29yZCI6InRlc3RQYXNzd29yZCJ9",
    current: "sig_5T8FcSsynBjn9mMLBsXhpacRovJf",
    next: "sig_7GFR4YaDshFcqsxWRZpRB161jguD",
  },
] as const;

export const DEV_USER_1 = DEV_USERS[0];
