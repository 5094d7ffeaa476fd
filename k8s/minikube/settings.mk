# minikube settings for `make minikube-up` (included by mk/k8s.mk; override any of
# them on the command line, e.g. `make minikube-up MINIKUBE_DRIVER=kvm2`).
# The Kubernetes version matches the one the chart is validated against (1.33).
MINIKUBE_PROFILE ?= chirp
MINIKUBE_KUBERNETES_VERSION ?= v1.33.1
MINIKUBE_DRIVER ?= docker
MINIKUBE_CPUS ?= 4
MINIKUBE_MEMORY ?= 8g
MINIKUBE_DISK_SIZE ?= 20g
# storage-provisioner + default-storageclass back the Cassandra and NATS volumes;
# metrics-server feeds `kubectl top` and the HPAs (off in the dev values).
MINIKUBE_ADDONS ?= storage-provisioner,default-storageclass,metrics-server
