//! Importing a credential from elsewhere: recognise, verify, decide whose it is, keep it.
