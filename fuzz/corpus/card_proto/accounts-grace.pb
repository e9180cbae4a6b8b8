
õ
customer-detailsà
%J#

Grace Hopper
Starter
IJG



Account ID
acc_3Kd8PqR1!*
acc_3Kd8PqR1Copy account ID
(J&


Customer since

2024-11-02
B"@
Open in admin/https://admin.example.com/accounts/acc_3Kd8PqR1