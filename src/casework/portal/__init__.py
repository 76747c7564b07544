"""The customer portal: sign-in, my cases, submit, accept, surveys."""
