"""The account's team (issue 7, item 4): people are invited by e-mail with a role, accept
with a password of their own, and are given another role or removed by those who manage
users. The role each person has decides what they may do (shared.roles)."""
