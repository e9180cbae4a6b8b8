
ÿ
customer-detailsê
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
2J0


Customer sinceJ
2024-11-02T16:05:00Z
B"@
Open in admin/https://admin.example.com/accounts/acc_3Kd8PqR1