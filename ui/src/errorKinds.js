// The error kinds the UI acts on, and only those: a kind is here because a view uses it. Every
// other error is shown by its message. A Rust test checks that each is a kind the app sends.
export const ErrorKind = Object.freeze({
  Cancelled: 'Cancelled',
});
